package io.ambit.hbone;

import java.util.concurrent.TimeUnit;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * An event loop group with the channel classes that belong to it: epoll on Linux (fewer copies,
 * and the socket options in-pod mode needs later), NIO elsewhere. Channel classes must match the
 * group's I/O handler, so they travel together.
 */
public final class Transport implements AutoCloseable {

    private final EventLoopGroup group;
    /**
     * Listeners accept here, and their connections are handed to {@link #group()}: so a new
     * connection is registered by a task of its loop, never inside that loop's epoll batch (see
     * {@link SocketCreation} for why that matters).
     */
    private final EventLoopGroup acceptors;
    private final boolean epoll;

    private Transport(EventLoopGroup group, EventLoopGroup acceptors, boolean epoll) {
        this.group = group;
        this.acceptors = acceptors;
        this.epoll = epoll;
    }

    /** Epoll when the native library loads, otherwise NIO. */
    public static Transport create(int threads) {
        if (Epoll.isAvailable()) {
            return new Transport(new MultiThreadIoEventLoopGroup(threads, EpollIoHandler.newFactory()),
                    new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory()), true);
        }
        return nio(threads);
    }

    public static Transport nio(int threads) {
        return new Transport(new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory()),
                new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory()), false);
    }

    public EventLoopGroup group() {
        return group;
    }

    /** The loop that listeners accept on (one thread); accepted connections go to {@link #group()}. */
    public EventLoopGroup acceptors() {
        return acceptors;
    }

    public boolean isEpoll() {
        return epoll;
    }

    public Class<? extends SocketChannel> socketChannel() {
        return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    public Class<? extends ServerChannel> serverChannel() {
        return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    @Override
    public void close() {
        acceptors.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
