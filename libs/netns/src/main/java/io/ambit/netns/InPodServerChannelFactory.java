package io.ambit.netns;

import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFactory;
import io.netty.channel.epoll.EpollServerSocketChannel;

/**
 * Listeners (15001, 15006, 15008) inside a pod's namespace. Netty creates a channel's socket in
 * the constructor, so constructing it on a thread inside the namespace is all it takes: the
 * socket stays in that namespace, while the channel is registered with and served by an
 * ordinary event loop of the node's ztunnel.
 *
 * <p>{@code SO_REUSEPORT} lets a new ztunnel bind the same port while the old one still
 * listens, so a restart or upgrade drops no connection attempts.
 */
public final class InPodServerChannelFactory implements ChannelFactory<EpollServerSocketChannel> {

    private final NetNamespace namespace;
    private final int mark;

    public InPodServerChannelFactory(NetNamespace namespace) {
        this(namespace, SocketMark.ZTUNNEL);
    }

    public InPodServerChannelFactory(NetNamespace namespace, int mark) {
        this.namespace = namespace;
        this.mark = mark;
    }

    @Override
    public EpollServerSocketChannel newChannel() {
        try {
            return namespace.run(() -> {
                EpollServerSocketChannel channel = new EpollServerSocketChannel();
                try {
                    channel.config().setReusePort(true);
                    SocketMark.apply(channel.fd().intValue(), mark);
                    return channel;
                } catch (SyscallException | RuntimeException e) {
                    channel.unsafe().closeForcibly();
                    throw e;
                }
            });
        } catch (NetnsException e) {
            throw new ChannelException("cannot open a listener in " + namespace + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "InPodServerChannelFactory(" + namespace + ")";
    }
}
