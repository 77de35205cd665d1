package io.ambit.bench;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;

/**
 * A sink server on an ephemeral loopback port that answers one byte per {@link #ACK_EVERY} bytes
 * received, and clients for it. Server and client run on separate event loops, as two processes
 * would.
 */
final class LoopbackPair implements AutoCloseable {

    static final int ACK_EVERY = 1 << 20;

    private final EventLoopGroup serverGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final EventLoopGroup clientGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final TlsMode.Contexts contexts;
    private final Channel server;

    LoopbackPair(TlsMode.Contexts contexts) {
        this.contexts = contexts;
        this.server = new ServerBootstrap()
                .group(serverGroup)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (contexts.server() != null) {
                            ch.pipeline().addLast(contexts.server().newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast(new AckingSink());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
    }

    /** A connected client whose handshake (if any) has completed. */
    Client connect() {
        Client client = new Client();
        Channel channel = new Bootstrap()
                .group(clientGroup)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (contexts.client() != null) {
                            ch.pipeline().addLast(contexts.client().newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast(client);
                    }
                })
                .connect(server.localAddress()).syncUninterruptibly().channel();
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        if (ssl != null && !ssl.handshakeFuture().awaitUninterruptibly(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("handshake did not complete");
        }
        if (ssl != null && !ssl.handshakeFuture().isSuccess()) {
            throw new IllegalStateException("handshake failed", ssl.handshakeFuture().cause());
        }
        client.channel = channel;
        return client;
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static final class AckingSink extends ChannelInboundHandlerAdapter {
        private long received;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            received += buf.readableBytes();
            buf.release();
            while (received >= ACK_EVERY) {
                received -= ACK_EVERY;
                ctx.writeAndFlush(ctx.alloc().buffer(1).writeByte(1));
            }
        }
    }

    static final class Client extends ChannelInboundHandlerAdapter {
        volatile Channel channel;
        private volatile CompletableFuture<Void> ack = new CompletableFuture<>();

        /** Sends {@link #ACK_EVERY} bytes in chunks and waits until the server has them all. */
        void sendAndAwaitAck(ByteBuf chunk) {
            ack = new CompletableFuture<>();
            for (int sent = 0; sent < ACK_EVERY; sent += chunk.readableBytes()) {
                channel.write(chunk.retainedDuplicate());
            }
            channel.flush();
            ack.join();
        }

        void close() {
            channel.close().syncUninterruptibly();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ((ByteBuf) msg).release();
            ack.complete(null);
        }
    }
}
