package io.ambit.hbone;

import java.net.InetSocketAddress;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ambit.identity.SpiffeId;
import io.ambit.tls.AesGcmOnly;
import io.ambit.tls.PeerIdentities;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;

/**
 * One HBONE server connection, top to bottom: TLS (client certificate required, checked during
 * the handshake) → AES-GCM only → after the handshake, HTTP/2 if ALPN chose {@code h2} → one
 * {@link ConnectStreamHandler} per stream.
 */
final class HboneServerInitializer extends ChannelInitializer<Channel> {

    private static final Logger log = LoggerFactory.getLogger(HboneServerInitializer.class);

    private final HboneServer.Config config;
    private final ChannelGroup connections;

    HboneServerInitializer(HboneServer.Config config, ChannelGroup connections) {
        this.config = config;
        this.connections = connections;
    }

    @Override
    protected void initChannel(Channel ch) {
        connections.add(ch); // removed again when it closes
        SslContext tls;
        try {
            tls = config.tls().get();
        } catch (RuntimeException e) {
            // E.g. the pod's first certificate has not arrived yet: refuse this client, keep serving.
            log.debug("closing {}: no TLS context: {}", ch, e.toString());
            if (ch.remoteAddress() instanceof InetSocketAddress peer) {
                config.observer().refused(peer, Optional.empty(), Optional.empty(), TunnelObserver.Refusal.HANDSHAKE,
                        "no TLS context to serve with: " + rootMessage(e));
            }
            ch.close();
            return;
        }
        ch.pipeline().addLast("tls", DataPathBuffers.current().applyToTls(ch, tls.newHandler(ch.alloc())));
        ch.pipeline().addLast("aes-gcm-only", new AesGcmOnly());
        ch.pipeline().addLast("alpn", new H2Only());
    }

    private final class H2Only extends ApplicationProtocolNegotiationHandler {
        private boolean reported;

        H2Only() {
            super("none"); // no ALPN is not HBONE
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
            if (!ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                log.debug("closing {}: ALPN {} is not h2", ctx.channel(), protocol);
                refused(ctx, Optional.empty(), TunnelObserver.Refusal.PROTOCOL, "ALPN " + protocol + " is not h2");
                ctx.close();
                return;
            }
            SslHandler tls = ctx.pipeline().get(SslHandler.class);
            Optional<SpiffeId> client = PeerIdentities.of(tls.engine().getSession());
            if (client.isEmpty()) {
                // The context requires a certificate, so this would be a TLS set-up bug: never serve anonymously.
                log.error("closing {}: the client proved no SPIFFE ID", ctx.channel());
                refused(ctx, Optional.empty(), TunnelObserver.Refusal.HANDSHAKE, "the client proved no SPIFFE ID");
                ctx.close();
                return;
            }
            SpiffeId id = client.get();
            Http2Setup.install(ctx.pipeline(), config.settings(), true, new ChannelInitializer<Http2StreamChannel>() {
                @Override
                protected void initChannel(Http2StreamChannel stream) {
                    stream.config().setAutoRead(false);
                    stream.pipeline().addLast(new ConnectStreamHandler(config, id));
                }
            }, () -> log.debug("client {} sent GOAWAY", id));
            // HTTP/2 connection errors (the codec answers them with GOAWAY) end the connection: report them.
            ctx.pipeline().addBefore(Http2Setup.GUARD, "h2-errors", new ChannelInboundHandlerAdapter() {
                @Override
                public void exceptionCaught(ChannelHandlerContext errorCtx, Throwable cause) {
                    if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) != null) {
                        refused(errorCtx, Optional.of(id), TunnelObserver.Refusal.PROTOCOL,
                                "HTTP/2 connection error: " + rootMessage(cause));
                    }
                    errorCtx.fireExceptionCaught(cause);
                }
            });
        }

        @Override
        protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("TLS handshake with {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            refused(ctx, Optional.empty(), TunnelObserver.Refusal.HANDSHAKE, "TLS handshake failed: " + rootMessage(cause));
            ctx.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("HBONE connection {} failed before HTTP/2: {}", ctx.channel(), cause.toString());
            refused(ctx, Optional.empty(), TunnelObserver.Refusal.HANDSHAKE, "connection failed before HTTP/2: " + rootMessage(cause));
            ctx.close();
        }

        /** Once per connection: a failed handshake is reported both as an exception and as an event. */
        private void refused(ChannelHandlerContext ctx, Optional<SpiffeId> client, TunnelObserver.Refusal refusal, String reason) {
            if (!reported && ctx.channel().remoteAddress() instanceof InetSocketAddress peer) {
                reported = true;
                config.observer().refused(peer, client, Optional.empty(), refusal, reason);
            }
        }
    }

    /** The deepest cause names what actually went wrong (e.g. the identity the trust manager refused). */
    static String rootMessage(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.toString();
    }
}
