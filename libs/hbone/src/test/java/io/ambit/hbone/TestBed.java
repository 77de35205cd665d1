package io.ambit.hbone;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.identity.TrustBundle;
import io.ambit.identity.X509Svids;
import io.ambit.testkit.TestCa;
import io.ambit.tls.MeshTls;
import io.ambit.tls.PeerPolicy;
import io.ambit.tls.ReloadableSslContext.KeyMaterial;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.SslContext;

/**
 * One mesh on loopback for a test: identities from the test CA, an HBONE server, upstream
 * servers (blocking sockets on virtual threads, so a test reads like the workload it stands for),
 * and an "outbound" forwarder: a plain TCP listener that opens a pooled tunnel per connection and
 * relays into it, as ztunnel's outbound listener will.
 */
final class TestBed implements AutoCloseable {

    static final SpiffeId SERVER = SpiffeId.parse("spiffe://cluster.local/ns/echo/sa/server");
    static final SpiffeId CLIENT = SpiffeId.parse("spiffe://cluster.local/ns/sleep/sa/client");
    static final SpiffeId OTHER_CLIENT = SpiffeId.parse("spiffe://cluster.local/ns/sleep/sa/other");

    final TestCa ca;
    final TrustBundle bundle;
    final Map<SpiffeId, Svid> svids;
    final Transport transport = Transport.create(2);
    final RelayStats serverStats = new RelayStats();
    final RelayStats clientStats = new RelayStats();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    TestBed(TestCa ca) {
        this.ca = ca;
        this.bundle = TrustBundle.of(ca.trustDomain(), ca.root());
        this.svids = Map.of(SERVER, svid(SERVER), CLIENT, svid(CLIENT), OTHER_CLIENT, svid(OTHER_CLIENT));
    }

    private Svid svid(SpiffeId id) {
        var issued = ca.issue(id.toString());
        return new Svid(X509Svids.spiffeIdOf(issued.certificate()), issued.privateKey(), issued.chain());
    }

    SslContext serverTls() {
        return MeshTls.server(svids.get(SERVER), bundle, PeerPolicy.anyInTrustDomain(ca.trustDomain()));
    }

    SslContext clientTls(SpiffeId source, SpiffeId expectedServer) {
        return MeshTls.client(svids.get(source), bundle, PeerPolicy.exactly(expectedServer));
    }

    SourceCertificates certificates() {
        return source -> new KeyMaterial(svids.get(source), bundle);
    }

    /** An HBONE server serving targets on 127.0.0.1. */
    HboneServer server(Consumer<HboneServer.Builder> customize) {
        SslContext tls = serverTls();
        HboneServer.Builder builder = HboneServer.builder(transport, () -> tls)
                .targetPolicy(TargetPolicy.addresses(Set.of(InetAddress.getLoopbackAddress())))
                .relayStats(serverStats);
        customize.accept(builder);
        return register(builder.start());
    }

    HboneClient client() {
        return new HboneClient(transport, HboneSettings.clientDefaults());
    }

    HbonePool pool(int maxStreams, Duration idle) {
        return register(new HbonePool(client(), certificates(), maxStreams, idle));
    }

    HboneConnection connect(HboneServer server) {
        HboneConnection connection = client().connect(server.address(), clientTls(CLIENT, SERVER)).join();
        register(() -> connection.close().syncUninterruptibly());
        return connection;
    }

    /** A TCP server whose every accepted socket is handled by {@code handler} on its own virtual thread. */
    InetSocketAddress upstream(SocketHandler handler) {
        try {
            ServerSocket listener = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
            register(listener);
            threads.submit(() -> {
                while (!listener.isClosed()) {
                    Socket socket;
                    try {
                        socket = listener.accept();
                    } catch (IOException e) {
                        return;
                    }
                    register(socket);
                    threads.submit(() -> {
                        try (socket) {
                            handler.handle(socket);
                        } catch (IOException e) {
                            // the test decides what a broken connection means
                        }
                        return null;
                    });
                }
            });
            return (InetSocketAddress) listener.getLocalSocketAddress();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Echoes until EOF, then half-closes: the reply to a FIN is a FIN. */
    InetSocketAddress echoUpstream() {
        return upstream(socket -> {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) >= 0;) {
                out.write(buffer, 0, n);
            }
            socket.shutdownOutput();
        });
    }

    /**
     * A plain TCP listener standing in for ztunnel's outbound capture: each accepted connection is
     * relayed into a pooled tunnel to {@code target} through {@code server}.
     */
    InetSocketAddress forwarder(HbonePool pool, HboneServer server, InetSocketAddress target, Duration idle) {
        HboneKey key = new HboneKey(CLIENT, SERVER, server.address());
        Channel listener = new ServerBootstrap()
                .group(transport.acceptors(), transport.group())
                .channel(transport.serverChannel())
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(InboundHold.NAME, new InboundHold());
                        pool.open(key, ConnectAuthority.format(target),
                                HboneHeaders.forwardedFor((InetSocketAddress) ch.remoteAddress()))
                                .whenComplete((tunnel, error) -> {
                                    if (error != null) {
                                        // Said, so a test that sees this connection reset knows why.
                                        System.err.println("forwarder: no tunnel for " + ch.remoteAddress() + ": " + error);
                                        ch.close();
                                    } else {
                                        tunnel.relay(ch, idle, clientStats);
                                    }
                                });
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .syncUninterruptibly()
                .channel();
        register(() -> listener.close().syncUninterruptibly());
        return (InetSocketAddress) listener.localAddress();
    }

    /** A plain TCP listener whose (one) accepted connection is relayed into {@code tunnel}. */
    InetSocketAddress entry(HboneTunnel tunnel) {
        Channel listener = new ServerBootstrap()
                .group(transport.acceptors(), transport.group())
                .channel(transport.serverChannel())
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(InboundHold.NAME, new InboundHold());
                        tunnel.relay(ch, Duration.ZERO, clientStats);
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .syncUninterruptibly()
                .channel();
        register(() -> listener.close().syncUninterruptibly());
        return (InetSocketAddress) listener.localAddress();
    }

    Socket dial(InetSocketAddress address) {
        try {
            Socket socket = new Socket(address.getAddress(), address.getPort());
            socket.setSoTimeout(30_000);
            register(socket);
            return socket;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A loopback port nothing listens on (bound, then released). */
    static InetSocketAddress closedPort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return (InetSocketAddress) s.getLocalSocketAddress();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    <T extends AutoCloseable> T register(T closeable) {
        synchronized (closeables) {
            closeables.add(closeable);
        }
        return closeable;
    }

    <T> CompletableFuture<T> async(java.util.concurrent.Callable<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        threads.submit(() -> {
            try {
                result.complete(task.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    @Override
    public void close() {
        List<AutoCloseable> all;
        synchronized (closeables) {
            all = new ArrayList<>(closeables);
        }
        for (AutoCloseable c : all.reversed()) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort: the test is over
            }
        }
        // Let every relay finish closing on the event loops before they stop: channels closed by a
        // terminating loop never see channelInactive, and their decoders' buffers would leak.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> serverStats.activeRelays() == 0 && clientStats.activeRelays() == 0);
        threads.shutdownNow();
        transport.close();
    }

    @FunctionalInterface
    interface SocketHandler {
        void handle(Socket socket) throws IOException;
    }
}
