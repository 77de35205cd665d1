package io.ambit.hbone;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import javax.net.ssl.SSLException;

import io.ambit.identity.SpiffeId;
import io.ambit.tls.AesGcmOnly;
import io.ambit.tls.PeerIdentities;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoop;
import io.netty.channel.ReflectiveChannelFactory;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;

/**
 * Opens HBONE connections: TCP to the destination's HBONE port (15008 in the mesh), mutual TLS
 * 1.3 with the <em>source</em> workload's certificate, the server's SPIFFE ID checked against the
 * expected identity during the handshake, ALPN {@code h2}, then HTTP/2 with ztunnel's settings.
 * Use {@link HbonePool} to share connections between tunnels.
 */
public final class HboneClient {

    /** Istio's HBONE port. */
    public static final int HBONE_PORT = 15008;

    private final Transport transport;
    private final HboneSettings settings;
    private final ChannelFactory<? extends Channel> channels;
    private final InetSocketAddress localAddress;

    public HboneClient(Transport transport, HboneSettings settings) {
        this(transport, settings, new ReflectiveChannelFactory<>(transport.socketChannel()), null);
    }

    /**
     * @param channels where sockets are made: ztunnel's in-pod mode makes them inside the source
     *                 pod's network namespace, so the connection leaves with the pod's address
     * @param source   the local address to connect from, or null for the route's choice (in a pod's
     *                 namespace that is the pod's address; on a shared host, name the pod's)
     */
    public HboneClient(Transport transport, HboneSettings settings, ChannelFactory<? extends Channel> channels,
            InetAddress source) {
        this.transport = Objects.requireNonNull(transport, "transport");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.channels = Objects.requireNonNull(channels, "channels");
        this.localAddress = source == null ? null : new InetSocketAddress(source, 0);
    }

    /**
     * @param tls {@code MeshTls.client(sourceSvid, bundle, PeerPolicy.exactly(expectedServer))}:
     *            the source's certificate and the identity the server must prove
     */
    public CompletableFuture<HboneConnection> connect(InetSocketAddress server, SslContext tls) {
        return connect(server, tls, transport.group().next());
    }

    /**
     * The same, on a chosen event loop: ztunnel passes the loop of the connection it is tunnelling,
     * so a relay whose two sides share a loop never hands a chunk to another thread.
     */
    public CompletableFuture<HboneConnection> connect(InetSocketAddress server, SslContext tls, EventLoop loop) {
        CompletableFuture<HboneConnection> result = new CompletableFuture<>();
        // ztunnel calls this from inside the loop's epoll batch (see SocketCreation).
        SocketCreation.onLoop(loop, () -> new Bootstrap()
                .group(loop)
                .channelFactory(channels)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, Math.toIntExact(settings.connectTimeout().toMillis()))
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast("tls", DataPathBuffers.current().applyToTls(ch, tls.newHandler(ch.alloc(),
                                server.getAddress().getHostAddress(), server.getPort())));
                        ch.pipeline().addLast("aes-gcm-only", new AesGcmOnly());
                        ch.pipeline().addLast("alpn", new H2Only(result));
                    }
                })
                .connect(server, localAddress)
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        result.completeExceptionally(new HboneConnectionException(
                                "cannot connect to HBONE server " + server, f.cause()));
                    }
                }), result::completeExceptionally);
        return result;
    }

    private final class H2Only extends ApplicationProtocolNegotiationHandler {
        private final CompletableFuture<HboneConnection> result;

        H2Only(CompletableFuture<HboneConnection> result) {
            super("none");
            this.result = result;
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
            Channel channel = ctx.channel();
            if (!ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                fail(ctx, new HboneConnectionException("HBONE server " + channel.remoteAddress()
                        + " did not agree to h2 (ALPN: " + protocol + ")", null));
                return;
            }
            Optional<SpiffeId> peer = PeerIdentities.of(ctx.pipeline().get(SslHandler.class).engine().getSession());
            HboneConnection[] connection = new HboneConnection[1];
            Http2FrameCodec codec = Http2Setup.install(ctx.pipeline(), settings, false,
                    new ChannelInitializer<Http2StreamChannel>() {
                        @Override
                        protected void initChannel(Http2StreamChannel stream) {
                            stream.close(); // servers never open streams towards an HBONE client
                        }
                    }, () -> connection[0].goAwayReceived());
            connection[0] = new HboneConnection(channel, codec, peer.orElseThrow());
            result.complete(connection[0]);
        }

        @Override
        protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
            fail(ctx, handshakeFailed(ctx, cause));
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            result.completeExceptionally(new HboneConnectionException("HBONE server "
                    + ctx.channel().remoteAddress() + " closed the connection during set-up", null));
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // The SslHandler reports a refused handshake as a DecoderException around the SSLException.
            Throwable unwrapped = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
            fail(ctx, unwrapped instanceof SSLException ? handshakeFailed(ctx, unwrapped)
                    : new HboneConnectionException("HBONE connection set-up failed", unwrapped));
        }

        /** Names the deepest cause: that is where the trust manager says which identity it refused. */
        private HboneConnectionException handshakeFailed(ChannelHandlerContext ctx, Throwable cause) {
            Throwable root = cause;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            return new HboneConnectionException("TLS handshake with HBONE server " + ctx.channel().remoteAddress()
                    + " failed: " + root.getMessage(), cause);
        }

        private void fail(ChannelHandlerContext ctx, HboneConnectionException error) {
            result.completeExceptionally(error);
            ctx.close();
        }
    }
}
