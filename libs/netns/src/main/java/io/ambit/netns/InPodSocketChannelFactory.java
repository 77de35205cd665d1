package io.ambit.netns;

import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFactory;
import io.netty.channel.epoll.EpollSocketChannel;

/**
 * Upstream connections that leave from inside a pod's namespace (so they carry the pod's
 * source address and routes), marked so the pod's own redirect rules let them through.
 * The socket is created in the namespace by the constructor; connect happens later on the
 * event loop, and the socket is still the namespace's.
 */
public final class InPodSocketChannelFactory implements ChannelFactory<EpollSocketChannel> {

    private final NetNamespace namespace;
    private final int mark;

    public InPodSocketChannelFactory(NetNamespace namespace) {
        this(namespace, SocketMark.ZTUNNEL);
    }

    public InPodSocketChannelFactory(NetNamespace namespace, int mark) {
        this.namespace = namespace;
        this.mark = mark;
    }

    @Override
    public EpollSocketChannel newChannel() {
        try {
            return namespace.run(() -> {
                EpollSocketChannel channel = new EpollSocketChannel();
                try {
                    SocketMark.apply(channel.fd().intValue(), mark);
                    return channel;
                } catch (SyscallException | RuntimeException e) {
                    channel.unsafe().closeForcibly();
                    throw e;
                }
            });
        } catch (NetnsException e) {
            throw new ChannelException("cannot open a socket in " + namespace + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "InPodSocketChannelFactory(" + namespace + ")";
    }
}
