package io.ambit.hbone;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.ambit.testkit.TestCa;
import io.ambit.testkit.TestCaExtension;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * How a tunnel ends, one rule at a time (the rules Istio's ztunnel follows, issue 12): a reset
 * ends that stream only; what was sent before a reset is delivered; a connection that takes no
 * new streams is closed only once its streams are done.
 */
@ExtendWith(TestCaExtension.class)
class StreamEndTest {

    private TestBed bed;

    @BeforeEach
    void start(TestCa ca) {
        bed = new TestBed(ca);
    }

    @AfterEach
    void stop() {
        bed.close();
    }

    /**
     * The client sends more DATA than any socket buffer holds to an upstream that is not reading
     * yet, then resets the stream. The server's relay has most of it still queued in the stream
     * when the RST_STREAM arrives; all of it must reach the upstream, followed by a plain FIN (those
     * bytes were good), as a direct connection would deliver what was sent before a reset.
     */
    @Test
    void bytesSentBeforeAResetReachTheUpstream() throws Exception {
        int total = 12 * HboneSettings.MIB;
        // A window larger than what we send: every byte is on its way before the reset.
        HboneServer server = bed.server(b -> b.settings(new HboneSettings(32 * HboneSettings.MIB,
                64 * HboneSettings.MIB, HboneSettings.MIB, 200, 64 * 1024, Duration.ofSeconds(10), Duration.ZERO)));
        CountDownLatch startReading = new CountDownLatch(1);
        CompletableFuture<String> received = new CompletableFuture<>();
        InetSocketAddress slowUpstream = slowUpstream(startReading, received);
        HboneConnection connection = bed.connect(server);
        HboneTunnel tunnel = connection.open(ConnectAuthority.format(slowUpstream), HboneHeaders.none()).join();

        byte[] data = new byte[total];
        new Random(11).nextBytes(data);
        Http2StreamChannel stream = tunnel.stream();
        ChannelFuture lastFrame = null;
        for (int offset = 0; offset < total; offset += 64 * 1024) {
            lastFrame = stream.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(data, offset, 64 * 1024), false));
        }
        // Netty discards DATA still waiting in its flow controller when a stream is reset, as TCP
        // discards unsent bytes on a reset: the reset goes out once every frame is on the wire.
        lastFrame.syncUninterruptibly();
        stream.close().syncUninterruptibly(); // RST_STREAM(CANCEL) after the DATA frames
        // Frames are handled in order: once a later stream on the same connection echoes, the
        // server has seen the reset while the upstream still had not read.
        assertEchoes(connection, bed.echoUpstream());
        startReading.countDown();

        assertThat(received.get(30, TimeUnit.SECONDS)).isEqualTo(total + " bytes, " + sha256(data) + ", then EOF");
    }

    /**
     * RFC 9113 §5.1: an endpoint that sent RST_STREAM must ignore the frames the peer sent before
     * it learned of the reset. A client relaying a fast sender has up to a stream window of DATA
     * in flight when the server resets (its upstream went away, as iperf3's server drops its data
     * connections), and all of it arrives after the reset. Netty answers each such frame with
     * RST_STREAM(STREAM_CLOSED), and by default a server closes the whole connection after 200 of
     * those in 30 s: issue 12's iperf3 failure, whose control connection died with the others.
     * Here 1,000 frames follow the server's reset; the connection and its other tunnels live on.
     */
    @Test
    void framesInFlightAfterTheServersResetNeverEndTheConnection() {
        HboneServer server = bed.server(b -> { });
        RawH2Client raw = bed.register(RawH2Client.connect(bed.register(Transport.nio(1)), server.address(),
                bed.clientTls(TestBed.CLIENT, TestBed.SERVER))).startHttp2();
        String echo = ConnectAuthority.format(bed.echoUpstream());
        RawH2Client.Sent sibling = raw.send(connect(echo));
        assertThat(sibling.outcome().join()).isEqualTo(":status 200");
        // Refused (nothing listens there): the server answers 503 and resets the client's half.
        RawH2Client.Sent refused = raw.send(connect(ConnectAuthority.format(TestBed.closedPort())));
        assertThat(refused.outcome().join()).isEqualTo(":status 503");
        Http2StreamChannel refusedStream = refused.stream().join();
        refusedStream.closeFuture().syncUninterruptibly();

        for (int round = 0; round < 10; round++) {
            raw.writeRawData(refusedStream.stream().id(), 100);
        }

        assertThat(raw.send(connect(echo)).outcome().join()).as("a new tunnel on the same connection").isEqualTo(":status 200");
        assertThat(sibling.stream().join().isActive()).as("the tunnel open all along").isTrue();
    }

    private static io.netty.handler.codec.http2.Http2Headers connect(String authority) {
        return new io.netty.handler.codec.http2.DefaultHttp2Headers().method("CONNECT").authority(authority);
    }

    /** A reset of one stream ends that stream only: its sibling on the connection carries on. */
    @Test
    void aResetEndsOnlyItsStream() throws Exception {
        HboneServer server = bed.server(b -> { });
        HboneConnection connection = bed.connect(server);
        InetSocketAddress resetting = bed.upstream(s -> {
            s.getInputStream().read();
            s.setSoLinger(true, 0);
        });
        InetSocketAddress echo = bed.echoUpstream();
        HboneTunnel sibling = connection.open(ConnectAuthority.format(echo), HboneHeaders.none()).join();
        Socket siblingClient = relayThrough(sibling);

        for (int i = 0; i < 50; i++) {
            // from the upstream: its reset comes back as RST_STREAM
            Socket viaReset = relayThrough(connection.open(ConnectAuthority.format(resetting), HboneHeaders.none()).join());
            viaReset.getOutputStream().write(1);
            // from the client: the stream is reset from this side
            HboneTunnel cancelled = connection.open(ConnectAuthority.format(echo), HboneHeaders.none()).join();
            cancelled.close();
            siblingClient.getOutputStream().write(("ping " + i).getBytes(UTF_8));
            assertThat(new String(siblingClient.getInputStream().readNBytes(("ping " + i).length()), UTF_8))
                    .isEqualTo("ping " + i);
        }

        // Clients reset a stream for every TCP connection that ends with a reset: hundreds are routine.
        for (int i = 0; i < 400; i++) {
            connection.open(ConnectAuthority.format(echo), HboneHeaders.none()).join().close();
        }
        siblingClient.getOutputStream().write("after 400 resets".getBytes(UTF_8));
        assertThat(new String(siblingClient.getInputStream().readNBytes(16), UTF_8)).isEqualTo("after 400 resets");
        assertThat(connection.isUsable()).isTrue();
        siblingClient.shutdownOutput();
        assertThat(siblingClient.getInputStream().read()).isEqualTo(-1);
    }

    /**
     * A pooled connection that has opened all the streams it may is handed out no more, but it
     * stays open, carrying its tunnels, until the last of them ends; only then is it closed.
     */
    @Test
    void aFullConnectionIsRetiredOnlyAfterItsStreamsDrain() throws Exception {
        HboneServer server = bed.server(b -> { });
        HbonePool pool = bed.pool(2, Duration.ofMinutes(5));
        InetSocketAddress echo = bed.echoUpstream();
        HboneKey key = new HboneKey(TestBed.CLIENT, TestBed.SERVER, server.address());
        HboneTunnel first = pool.open(key, ConnectAuthority.format(echo), HboneHeaders.none()).join();
        HboneTunnel second = pool.open(key, ConnectAuthority.format(echo), HboneHeaders.none()).join();
        HboneTunnel third = pool.open(key, ConnectAuthority.format(echo), HboneHeaders.none()).join();
        assertThat(third.connection()).isNotSameAs(first.connection());
        Socket a = relayThrough(first);
        Socket b = relayThrough(second);

        a.shutdownOutput();
        assertThat(a.getInputStream().read()).isEqualTo(-1);
        first.closeFuture().syncUninterruptibly();
        b.getOutputStream().write("still here".getBytes(UTF_8));
        assertThat(new String(b.getInputStream().readNBytes(10), UTF_8)).isEqualTo("still here");
        assertThat(first.connection().closeFuture().isDone()).as("retired while a stream was open").isFalse();

        b.shutdownOutput();
        assertThat(b.getInputStream().read()).isEqualTo(-1);
        await().atMost(Duration.ofSeconds(10)).until(() -> first.connection().closeFuture().isDone());
        third.close();
    }

    /**
     * A draining server's GOAWAY: the client's pool hands that connection out no more, the tunnel
     * already open goes on both ways until it ends by itself, and only then does the connection close.
     */
    @Test
    void aPeersGoAwayLetsOpenTunnelsFinish() throws Exception {
        HboneServer server = bed.server(b -> { });
        HbonePool pool = bed.pool(100, Duration.ofMinutes(5));
        HboneKey key = new HboneKey(TestBed.CLIENT, TestBed.SERVER, server.address());
        HboneTunnel open = pool.open(key, ConnectAuthority.format(bed.echoUpstream()), HboneHeaders.none()).join();
        Socket client = relayThrough(open);
        client.getOutputStream().write("before".getBytes(UTF_8));
        assertThat(new String(client.getInputStream().readNBytes(6), UTF_8)).isEqualTo("before");

        CompletableFuture<Void> drained = server.drain(Duration.ofMinutes(1));

        await().atMost(Duration.ofSeconds(10)).until(() -> !open.connection().isUsable());
        assertThat(pool.connectionCount(key)).as("a draining connection is not handed out").isZero();
        client.getOutputStream().write("after the GOAWAY".getBytes(UTF_8));
        assertThat(new String(client.getInputStream().readNBytes(16), UTF_8)).isEqualTo("after the GOAWAY");
        assertThat(drained).as("the tunnel is still open").isNotDone();
        client.shutdownOutput();
        assertThat(client.getInputStream().read()).isEqualTo(-1);
        drained.get(30, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> open.connection().closeFuture().isDone());
    }

    /** A drain's deadline ends the tunnels that would not end by themselves. */
    @Test
    void aDrainEndsWhatIsStillOpenAtItsDeadline() throws Exception {
        HboneServer server = bed.server(b -> { });
        HboneConnection connection = bed.connect(server);
        Socket client = relayThrough(connection.open(ConnectAuthority.format(bed.echoUpstream()), HboneHeaders.none()).join());
        client.getOutputStream().write("x".getBytes(UTF_8));
        assertThat(client.getInputStream().read()).isEqualTo('x');

        server.drain(Duration.ofMillis(100)).get(30, TimeUnit.SECONDS);

        assertThat(connection.closeFuture().syncUninterruptibly().isDone()).isTrue();
        assertThat(readsToTheEnd(client)).isTrue();
    }

    private static boolean readsToTheEnd(Socket socket) {
        try {
            return socket.getInputStream().read() == -1;
        } catch (IOException reset) {
            return true;
        }
    }

    /** A plain TCP client relayed into {@code tunnel}, as an outbound ztunnel would. */
    private Socket relayThrough(HboneTunnel tunnel) {
        return bed.dial(bed.entry(tunnel));
    }

    private void assertEchoes(HboneConnection connection, InetSocketAddress echo) throws IOException {
        HboneTunnel probe = connection.open(ConnectAuthority.format(echo), HboneHeaders.none()).join();
        Socket client = relayThrough(probe);
        client.getOutputStream().write("probe".getBytes(UTF_8));
        assertThat(new String(client.getInputStream().readNBytes(5), UTF_8)).isEqualTo("probe");
        client.shutdownOutput();
        assertThat(client.getInputStream().read()).isEqualTo(-1);
    }

    /** Reads nothing until {@code startReading}, then everything; reports count, hash and how it ended. */
    private InetSocketAddress slowUpstream(CountDownLatch startReading, CompletableFuture<String> received) throws IOException {
        ServerSocket listener = bed.register(new ServerSocket());
        listener.setReceiveBufferSize(16 * 1024); // so that the relay's writes wait, not the kernel
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
        bed.async(() -> {
            try (Socket socket = listener.accept()) {
                startReading.await();
                MessageDigest hash = MessageDigest.getInstance("SHA-256");
                long count = 0;
                String end;
                InputStream in = socket.getInputStream();
                byte[] buffer = new byte[64 * 1024];
                try {
                    for (int n; (n = in.read(buffer)) >= 0;) {
                        hash.update(buffer, 0, n);
                        count += n;
                    }
                    end = "EOF";
                } catch (IOException e) {
                    end = "error " + e.getMessage();
                }
                received.complete(count + " bytes, " + HexFormat.of().formatHex(hash.digest()) + ", then " + end);
            }
            return null;
        });
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
