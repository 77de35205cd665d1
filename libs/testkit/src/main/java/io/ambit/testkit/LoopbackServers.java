package io.ambit.testkit;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Netty servers on ephemeral loopback ports for a test, closed after each test. Register with
 * {@code @RegisterExtension final LoopbackServers servers = new LoopbackServers();} and call
 * {@link #start(ChannelInitializer)}; never a fixed port.
 */
public final class LoopbackServers implements AfterEachCallback {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final List<Channel> open = new ArrayList<>();

    /** The event loop the servers run on; clients may share it. */
    public EventLoopGroup group() {
        return group;
    }

    /** Binds 127.0.0.1:0 with the initializer and returns the bound address. */
    public InetSocketAddress start(ChannelInitializer<Channel> initializer) {
        Channel channel = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(initializer)
                .bind(new InetSocketAddress("127.0.0.1", 0))
                .syncUninterruptibly()
                .channel();
        synchronized (open) {
            open.add(channel);
        }
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        synchronized (open) {
            open.forEach(channel -> channel.close().syncUninterruptibly());
            open.clear();
        }
        group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
