package io.ambit.ztunnel.proxy;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import io.ambit.hbone.Transport;
import io.ambit.tls.AesGcmOnly;
import io.ambit.tls.MeshTls;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;

/**
 * A misbehaving HBONE client for tests (after libs/hbone's {@code RawH2Client}): any TLS context,
 * including key material no mesh context would accept, and any request headers (no CONNECT
 * rules, header blocks larger than the server allows). Nothing here throws on a refused
 * handshake: with TLS 1.3 the client may finish before the server refuses it, so tests watch the
 * connection close instead.
 */
final class RawHboneClient implements AutoCloseable {

    private final Channel channel;
    private final CompletableFuture<Void> handshake;

    private RawHboneClient(Channel channel, CompletableFuture<Void> handshake) {
        this.channel = channel;
        this.handshake = handshake;
    }

    /** TLS, then HTTP/2 (the preface is sent once the handshake is done). */
    static RawHboneClient http2(Transport transport, InetSocketAddress server, SslContext tls) {
        return connect(transport, server, tls, true);
    }

    /** TLS only, to watch what the server does with the handshake. */
    static RawHboneClient tlsOnly(Transport transport, InetSocketAddress server, SslContext tls) {
        return connect(transport, server, tls, false);
    }

    private static RawHboneClient connect(Transport transport, InetSocketAddress server, SslContext tls, boolean http2) {
        CompletableFuture<Void> handshake = new CompletableFuture<>();
        Channel channel = new Bootstrap()
                .group(transport.group())
                .channel(transport.socketChannel())
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        SslHandler ssl = tls.newHandler(ch.alloc());
                        ssl.handshakeFuture().addListener(f -> {
                            if (f.isSuccess()) {
                                handshake.complete(null);
                            } else {
                                handshake.completeExceptionally(f.cause());
                            }
                        });
                        ch.pipeline().addLast(ssl, new AesGcmOnly());
                        if (http2) {
                            ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().encoderIgnoreMaxHeaderListSize(true).build(),
                                    new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                        }
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ReferenceCountUtil.release(msg); // SETTINGS, GOAWAY: not of interest here
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close(); // an alert from the server: that is its answer
                            }
                        });
                    }
                })
                .connect(server)
                .syncUninterruptibly()
                .channel();
        return new RawHboneClient(channel, handshake);
    }

    /**
     * A client context with any key material, offering TLS 1.3, AES-GCM and ALPN h2 as a mesh
     * client does, and trusting any server: the server's answer is what the test looks at.
     */
    static SslContext clientTls(PrivateKey key, List<X509Certificate> chain) {
        try {
            SslContextBuilder builder = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL)
                    .protocols(MeshTls.TLS_13).ciphers(MeshTls.CIPHERS)
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2))
                    .trustManager(InsecureTrustManagerFactory.INSTANCE)
                    .endpointIdentificationAlgorithm(null);
            if (key != null) {
                builder.keyManager(key, chain.toArray(X509Certificate[]::new));
            }
            return builder.build();
        } catch (SSLException e) {
            throw new IllegalStateException(e);
        }
    }

    Channel channel() {
        return channel;
    }

    CompletableFuture<Void> handshake() {
        return handshake;
    }

    void writeRaw(byte[] bytes) {
        channel.writeAndFlush(Unpooled.wrappedBuffer(bytes)).syncUninterruptibly();
    }

    /** Sends one request (without END_STREAM); completes with ":status N", "reset N" or "closed". */
    CompletableFuture<String> request(Http2Headers headers) {
        CompletableFuture<String> outcome = new CompletableFuture<>();
        new Http2StreamChannelBootstrap(channel)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        if (msg instanceof Http2HeadersFrame response) {
                            outcome.complete(":status " + response.headers().status());
                        }
                        ReferenceCountUtil.release(msg);
                    }

                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                        if (evt instanceof Http2ResetFrame reset) {
                            outcome.complete("reset " + reset.errorCode());
                        }
                    }

                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) {
                        outcome.complete("closed");
                    }
                })
                .open()
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        outcome.completeExceptionally(f.cause());
                        return;
                    }
                    ((Http2StreamChannel) f.getNow()).writeAndFlush(new DefaultHttp2HeadersFrame(headers, false))
                            .addListener(w -> {
                                if (!w.isSuccess()) {
                                    outcome.complete("closed"); // the server closed the connection before it went out
                                }
                            });
                });
        return outcome;
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }

    /** The first flight of a TLS 1.3 client (JDK engine, ALPN h2), as bytes to send on a plain socket. */
    static byte[] clientHello() throws Exception {
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        context.init(null, new TrustManager[] {new TrustingNobody()}, null);
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(true);
        var parameters = engine.getSSLParameters();
        parameters.setApplicationProtocols(new String[] {"h2"});
        engine.setSSLParameters(parameters);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] bytes = new byte[out.remaining()];
        out.get(bytes);
        return bytes;
    }

    /** Never consulted: the handshake is abandoned before the server's certificate is checked. */
    private static final class TrustingNobody implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("not used");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("not used");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
