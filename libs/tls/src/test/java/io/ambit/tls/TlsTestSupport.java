package io.ambit.tls;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.ambit.identity.Svid;
import io.ambit.identity.X509Svids;
import io.ambit.testkit.IssuedCertificate;
import io.ambit.testkit.LoopbackServers;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;

/** An mTLS echo server and a client that records what comes back, for the TLS tests. */
final class TlsTestSupport {

    private TlsTestSupport() {
    }

    static Svid svid(IssuedCertificate issued) {
        return new Svid(X509Svids.spiffeIdOf(issued.certificate()), issued.privateKey(), issued.chain());
    }

    /** Server side: records each connection's handshake outcome. */
    static final class EchoServer {
        final LinkedBlockingQueue<Throwable> handshakeFailures = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
        final InetSocketAddress address;

        EchoServer(LoopbackServers servers, Function<Channel, SslHandler> tls) {
            address = servers.start(new ChannelInitializer<>() {
                @Override
                protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(tls.apply(ch), new AesGcmOnly(), new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ctx.writeAndFlush(msg);
                        }

                        @Override
                        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                            if (evt instanceof SslHandshakeCompletionEvent done && !done.isSuccess()) {
                                handshakeFailures.add(done.cause());
                            }
                            ctx.fireUserEventTriggered(evt);
                        }

                        @Override
                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                            errors.add(cause);
                            ctx.close();
                        }
                    });
                }
            });
        }
    }

    /** A connected client: its SslHandler, and the text echoed back to it. */
    record Client(Channel channel, SslHandler ssl, LinkedBlockingQueue<String> received) {

        static Client connect(LoopbackServers servers, InetSocketAddress address, Function<Channel, SslHandler> tls) {
            LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
            CompletableFuture<SslHandler> handler = new CompletableFuture<>();
            Channel channel = new Bootstrap()
                    .group(servers.group())
                    .channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            SslHandler ssl = tls.apply(ch);
                            handler.complete(ssl);
                            ch.pipeline().addLast(ssl, new SimpleChannelInboundHandler<ByteBuf>() {
                                @Override
                                protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                                    received.add(msg.toString(StandardCharsets.UTF_8));
                                }

                                @Override
                                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                    ctx.close();
                                }
                            });
                        }
                    })
                    .connect(address)
                    .syncUninterruptibly()
                    .channel();
            return new Client(channel, handler.join(), received);
        }

        /** Waits for the handshake; returns its failure, or null on success. */
        Throwable awaitHandshake() {
            return ssl.handshakeFuture().awaitUninterruptibly(10, TimeUnit.SECONDS)
                    ? ssl.handshakeFuture().cause()
                    : new AssertionError("handshake did not finish within 10 s");
        }

        String echo(String text) throws InterruptedException {
            channel.writeAndFlush(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8)).syncUninterruptibly();
            StringBuilder got = new StringBuilder();
            while (got.length() < text.length()) {
                String part = received.poll(10, TimeUnit.SECONDS);
                if (part == null) {
                    throw new AssertionError("no echo within 10 s; got '" + got + "'");
                }
                got.append(part);
            }
            return got.toString();
        }
    }
}
