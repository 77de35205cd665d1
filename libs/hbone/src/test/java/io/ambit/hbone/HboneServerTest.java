package io.ambit.hbone;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import javax.net.ssl.SSLException;

import io.ambit.identity.SpiffeId;
import io.ambit.testkit.TestCa;
import io.ambit.testkit.TestCaExtension;
import io.ambit.tls.MeshTls;
import io.ambit.tls.PeerPolicy;
import io.netty.channel.Channel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.Promise;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The server's answers to CONNECT, identities on both ends, and hostile clients. */
@ExtendWith(TestCaExtension.class)
class HboneServerTest {

    private TestBed bed;
    private InetSocketAddress echo;

    @BeforeEach
    void start(TestCa ca) {
        bed = new TestBed(ca);
        echo = bed.echoUpstream();
    }

    @AfterEach
    void stop() {
        bed.close();
    }

    @Test
    void answers200AndCarriesHeadersToTheAuthorizer() {
        AtomicReference<ConnectRequest> seen = new AtomicReference<>();
        HboneServer server = bed.server(b -> b.authorizer(request -> {
            seen.set(request);
            return true;
        }));
        HboneHeaders headers = HboneHeaders.forwardedFor(new InetSocketAddress("10.0.0.7", 40000))
                .withBaggage("k8s.namespace.name=sleep")
                .withTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");

        HboneTunnel tunnel = bed.connect(server).open(ConnectAuthority.format(echo), headers).join();

        assertThat(tunnel.stream().isActive()).isTrue();
        assertThat(tunnel.connection().peer()).isEqualTo(TestBed.SERVER);
        ConnectRequest request = seen.get();
        assertThat(request.client()).isEqualTo(TestBed.CLIENT);
        assertThat(request.target()).isEqualTo(echo);
        assertThat(request.forwarded()).contains("for=\"10.0.0.7:40000\"");
        assertThat(request.baggage()).contains("k8s.namespace.name=sleep");
        assertThat(request.traceparent()).contains("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    }

    @Test
    void authorizerDenialIs401AndSawTheClientIdentity() {
        AtomicReference<SpiffeId> asked = new AtomicReference<>();
        HboneServer server = bed.server(b -> b.authorizer(request -> {
            asked.set(request.client());
            return false;
        }));

        assertThat(refusal(bed.connect(server).open(ConnectAuthority.format(echo), HboneHeaders.none())))
                .isEqualTo(401);
        assertThat(asked.get()).isEqualTo(TestBed.CLIENT);
    }

    @Test
    void malformedAuthorityIs400() {
        HboneConnection connection = bed.connect(bed.server(b -> { }));

        assertThat(refusal(connection.open("echo.default.svc:80", HboneHeaders.none()))).isEqualTo(400);
        assertThat(refusal(connection.open("127.0.0.1", HboneHeaders.none()))).isEqualTo(400);
        assertThat(refusal(connection.open("127.0.0.1:99999", HboneHeaders.none()))).isEqualTo(400);
        assertThat(refusal(connection.open("::1:80", HboneHeaders.none()))).isEqualTo(400);
        // the connection survives refused streams
        assertThat(connection.open(ConnectAuthority.format(echo), HboneHeaders.none()).join()).isNotNull();
    }

    @Test
    void targetTheServerDoesNotServeIs400AndNeverContacted() {
        AtomicReference<InetSocketAddress> dialled = new AtomicReference<>();
        HboneServer server = bed.server(b -> b.upstream((loop, target, request) -> {
            dialled.set(target);
            return loop.newFailedFuture(new IllegalStateException("must not be called"));
        }));

        assertThat(refusal(bed.connect(server).open("127.0.0.2:" + echo.getPort(), HboneHeaders.none())))
                .isEqualTo(400);
        assertThat(dialled.get()).isNull();
    }

    @Test
    void unreachableUpstreamIs503() {
        HboneServer server = bed.server(b -> { });

        assertThat(refusal(bed.connect(server).open(ConnectAuthority.format(TestBed.closedPort()),
                HboneHeaders.none()))).isEqualTo(503);
    }

    @Test
    void answers200OnlyOnceTheUpstreamIsConnected() {
        AtomicReference<Promise<Channel>> held = new AtomicReference<>();
        TcpUpstreamConnector real = new TcpUpstreamConnector(bed.transport, Duration.ofSeconds(5));
        HboneServer server = bed.server(b -> b.upstream((loop, target, request) -> {
            Promise<Channel> gate = loop.newPromise();
            held.set(gate);
            return gate; // completed by the test, with a real connection
        }));

        CompletableFuture<HboneTunnel> tunnel = bed.connect(server).open(ConnectAuthority.format(echo),
                HboneHeaders.none());
        await().atMost(Duration.ofSeconds(10)).until(() -> held.get() != null);

        assertThat(tunnel).isNotDone();
        Promise<Channel> gate = held.get();
        real.connect(bed.transport.group().next(), echo, null)
                .addListener(f -> gate.setSuccess((Channel) f.getNow()));
        assertThat(tunnel.join().stream().isActive()).isTrue();
    }

    @Test
    void clientChecksTheServerIdentity() {
        HboneServer server = bed.server(b -> { });
        SpiffeId expected = SpiffeId.parse("spiffe://cluster.local/ns/echo/sa/someone-else");

        Throwable failure = catchThrowable(() -> bed.client()
                .connect(server.address(), bed.clientTls(TestBed.CLIENT, expected)).join());

        assertThat(failure).isInstanceOf(CompletionException.class)
                .cause().isInstanceOf(HboneConnectionException.class).hasCauseInstanceOf(SSLException.class)
                .hasMessageContaining("server identity " + TestBed.SERVER + " is not allowed");
    }

    @Test
    void clientWithoutCertificateIsRefused() {
        HboneServer server = bed.server(b -> { });
        var anonymous = MeshTls.bootstrapClient(bed.bundle, PeerPolicy.exactly(TestBed.SERVER));

        // TLS 1.3: the client may finish its handshake before the server rejects it, so the
        // refusal shows either on connect or on the first stream; never as a tunnel.
        Throwable failure = catchThrowable(() -> bed.client().connect(server.address(), anonymous)
                .thenCompose(c -> {
                    bed.register(() -> c.close().syncUninterruptibly());
                    return c.open(ConnectAuthority.format(echo), HboneHeaders.none());
                }).join());

        assertThat(failure).isInstanceOf(CompletionException.class).cause().isInstanceOf(HboneException.class);
        assertServerStillServes(server);
    }

    @Test
    void nonConnectMethodIs400() {
        HboneServer server = bed.server(b -> { });
        RawH2Client raw = bed.register(RawH2Client.connect(hostileTransport(), server.address(),
                bed.clientTls(TestBed.CLIENT, TestBed.SERVER))).startHttp2();

        String outcome = raw.request(new DefaultHttp2Headers().method("GET").scheme("https").path("/")
                .authority(ConnectAuthority.format(echo))).join();

        assertThat(outcome).isEqualTo(":status 400");
        raw.close();
    }

    @Test
    void garbageAfterThePrefaceClosesOnlyThatConnection() {
        List<TunnelObserver.Refusal> refusals = new CopyOnWriteArrayList<>();
        HboneServer server = bed.server(b -> b.observer(recording(refusals)));
        RawH2Client raw = bed.register(RawH2Client.connect(hostileTransport(), server.address(),
                bed.clientTls(TestBed.CLIENT, TestBed.SERVER)));

        raw.writeRaw("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(UTF_8));
        raw.writeRaw("this is not an HTTP/2 frame, not even close..........".getBytes(UTF_8));

        await().atMost(Duration.ofSeconds(10)).until(() -> !raw.channel().isActive());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(refusals).containsExactly(TunnelObserver.Refusal.PROTOCOL));
        assertServerStillServes(server);
    }

    /** A server that cannot get its TLS context (no certificate yet) refuses the client and says so. */
    @Test
    void aConnectionWithoutServerTlsContextIsRefusedAndReported() {
        AtomicBoolean ready = new AtomicBoolean();
        SslContext tls = bed.serverTls();
        List<TunnelObserver.Refusal> refusals = new CopyOnWriteArrayList<>();
        HboneServer server = bed.register(HboneServer.builder(bed.transport, () -> {
                    if (!ready.get()) {
                        throw new IllegalStateException("no certificate yet");
                    }
                    return tls;
                })
                .targetPolicy(TargetPolicy.addresses(Set.of(InetAddress.getLoopbackAddress())))
                .observer(recording(refusals))
                .start());

        Throwable failure = catchThrowable(() -> bed.client().connect(server.address(),
                bed.clientTls(TestBed.CLIENT, TestBed.SERVER)).join());

        assertThat(failure).isInstanceOf(CompletionException.class).cause().isInstanceOf(HboneConnectionException.class);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(refusals).containsExactly(TunnelObserver.Refusal.HANDSHAKE));
        ready.set(true);
        assertServerStillServes(server);
    }

    /**
     * Fuzz-style: frame-shaped random input (valid 9-byte headers with random type, flags, stream
     * and payload) after a valid preface, on many connections. Whatever each connection's fate,
     * the server keeps serving and answers real tunnels.
     */
    @Test
    void randomFramesAfterThePrefaceNeverBreakTheServer() {
        HboneServer server = bed.server(b -> { });
        Transport hostile = hostileTransport();
        java.util.Random random = new java.util.Random(2024);
        for (int connection = 0; connection < 25; connection++) {
            RawH2Client raw = bed.register(RawH2Client.connect(hostile, server.address(),
                    bed.clientTls(TestBed.CLIENT, TestBed.SERVER)));
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            bytes.writeBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(UTF_8));
            bytes.writeBytes(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // empty SETTINGS
            for (int frame = 0; frame < 1 + random.nextInt(6); frame++) {
                int length = random.nextInt(64);
                int streamId = random.nextBoolean() ? 1 + 2 * random.nextInt(4) : random.nextInt();
                bytes.writeBytes(new byte[] {0, 0, (byte) length, (byte) random.nextInt(10), (byte) random.nextInt(256),
                        (byte) (streamId >>> 24), (byte) (streamId >>> 16), (byte) (streamId >>> 8), (byte) streamId});
                byte[] payload = new byte[length];
                random.nextBytes(payload);
                bytes.writeBytes(payload);
            }
            if (raw.channel().isActive()) {
                raw.channel().writeAndFlush(io.netty.buffer.Unpooled.wrappedBuffer(bytes.toByteArray()))
                        .awaitUninterruptibly();
            }
            raw.close();
        }

        assertServerStillServes(server);
    }

    /**
     * Netty refuses a header block over SETTINGS_MAX_HEADER_LIST_SIZE (64 KiB, ztunnel's) as a
     * stream error, and one over 1.25 times that as a connection error (GOAWAY): decoding a huge
     * block is the cost an attacker wants us to pay, so the connection goes.
     */
    @Test
    void oversizedHeaderBlocksAreRefusedAndTheServerKeepsServing() {
        List<TunnelObserver.Refusal> refusals = new CopyOnWriteArrayList<>();
        HboneServer server = bed.server(b -> b.observer(recording(refusals)));
        RawH2Client raw = bed.register(RawH2Client.connect(hostileTransport(), server.address(),
                bed.clientTls(TestBed.CLIENT, TestBed.SERVER))).startHttp2();

        String slightlyOver = raw.request(connectWithPadding(70 * 1024)).join();
        // The server may close the connection before this request is even written: a write that
        // fails on the closed channel is the same answer.
        String huge = raw.request(connectWithPadding(256 * 1024))
                .exceptionally(e -> (e instanceof java.util.concurrent.CompletionException c ? c.getCause() : e)
                        instanceof java.nio.channels.ClosedChannelException ? "closed" : "failed: " + e)
                .join();

        assertThat(slightlyOver).isIn(":status 431", "reset 1");
        assertThat(huge).isEqualTo("closed");
        await().atMost(Duration.ofSeconds(10)).until(() -> !raw.channel().isActive());
        // The GOAWAY is reported; the 431 is settled inside the codec before the stream exists.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(refusals).containsExactly(TunnelObserver.Refusal.PROTOCOL));
        assertServerStillServes(server);
    }

    private static TunnelObserver recording(List<TunnelObserver.Refusal> refusals) {
        return new TunnelObserver() {
            @Override
            public void refused(InetSocketAddress peer, Optional<SpiffeId> client, Optional<ConnectRequest> request,
                    Refusal refusal, String reason) {
                refusals.add(refusal);
            }
        };
    }

    private DefaultHttp2Headers connectWithPadding(int bytes) {
        DefaultHttp2Headers headers = new DefaultHttp2Headers();
        headers.method("CONNECT").authority(ConnectAuthority.format(echo)).add("x-padding", "a".repeat(bytes));
        return headers;
    }

    @Test
    void withoutTargetPolicyTheServerDoesNotStart() {
        Throwable failure = catchThrowable(() -> HboneServer.builder(bed.transport, bed::serverTls).start());

        assertThat(failure).isInstanceOf(IllegalStateException.class).hasMessageContaining("TargetPolicy");
    }

    /**
     * Misbehaving clients get their own NIO event loop, so that anything they leave behind (Netty's
     * leak detector names the transport in its records) is never mistaken for the server's.
     */
    private Transport hostileTransport() {
        return bed.register(Transport.nio(1));
    }

    private void assertServerStillServes(HboneServer server) {
        HboneTunnel tunnel = bed.connect(server).open(ConnectAuthority.format(echo), HboneHeaders.none()).join();
        assertThat(tunnel.stream().isActive()).isTrue();
    }

    private static int refusal(CompletableFuture<HboneTunnel> open) {
        Throwable failure = catchThrowable(open::join);
        assertThat(failure).isInstanceOf(CompletionException.class).cause().isInstanceOf(TunnelRefusedException.class);
        return ((TunnelRefusedException) failure.getCause()).status();
    }
}
