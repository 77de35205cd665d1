package io.ambit.netns;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;

/**
 * Test servers: Netty listeners made by {@link InPodServerChannelFactory} that record what they
 * accept (and the original destination) and greet with their name; plain JDK servers for peers.
 */
final class Listeners implements AutoCloseable {

    /** One accepted connection: which listener took it, its local address, and SO_ORIGINAL_DST. */
    record Accepted(String listener, InetSocketAddress local, InetSocketAddress originalDestination) {
    }

    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    final BlockingQueue<Accepted> accepted = new LinkedBlockingQueue<>();
    private final List<Channel> channels = new ArrayList<>();
    private final List<ServerSocketChannel> plain = new ArrayList<>();

    /** A ztunnel-style listener on {@code port} (all addresses) inside {@code ns}. */
    Channel inPod(NetNamespace ns, String name, int port) throws InterruptedException {
        Channel channel = new ServerBootstrap()
                .group(group)
                .channelFactory(new InPodServerChannelFactory(ns))
                .childHandler(new ChannelInitializer<EpollSocketChannel>() {
                    @Override
                    protected void initChannel(EpollSocketChannel child) {
                        child.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) throws Exception {
                                InetSocketAddress original;
                                try {
                                    original = OriginalDestination.of(child);
                                } catch (SyscallException e) {
                                    original = null;
                                }
                                accepted.add(new Accepted(name, child.localAddress(), original));
                                ctx.writeAndFlush(Unpooled.copiedBuffer(name + "\n", StandardCharsets.UTF_8))
                                        .addListener(ChannelFutureListener.CLOSE);
                            }
                        });
                    }
                })
                .bind(port).sync().channel();
        channels.add(channel);
        return channel;
    }

    /** A plain server inside {@code ns} that greets every connection with {@code name}. */
    void plain(NetNamespace ns, String name, InetSocketAddress address) throws Exception {
        ServerSocketChannel server = ns.run(() -> ServerSocketChannel.open().bind(address));
        plain.add(server);
        Thread.startVirtualThread(() -> {
            while (server.isOpen()) {
                try (SocketChannel client = server.accept()) {
                    accepted.add(new Accepted(name, (InetSocketAddress) client.getLocalAddress(), null));
                    client.write(ByteBuffer.wrap((name + "\n").getBytes(StandardCharsets.UTF_8)));
                } catch (Exception e) {
                    return;
                }
            }
        });
    }

    /** Connects from inside {@code ns} with an unmarked JDK socket and returns the greeting. */
    static String greetingFrom(NetNamespace ns, SocketAddress target) throws Exception {
        try (SocketChannel socket = ns.run(() -> SocketChannel.open(target))) {
            return readLine(socket);
        }
    }

    static String readLine(SocketChannel socket) throws Exception {
        ByteBuffer buffer = ByteBuffer.allocate(256);
        while (socket.read(buffer) > 0 && buffer.get(buffer.position() - 1) != '\n') {
            // keep reading until the line ends or the server closes
        }
        buffer.flip();
        return StandardCharsets.UTF_8.decode(buffer).toString().strip();
    }

    Accepted next() throws InterruptedException {
        Accepted next = accepted.poll(10, TimeUnit.SECONDS);
        if (next == null) {
            throw new AssertionError("no connection was accepted within 10 s");
        }
        return next;
    }

    @Override
    public void close() throws Exception {
        for (Channel channel : channels) {
            channel.close().sync();
        }
        for (ServerSocketChannel server : plain) {
            server.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
}
