package io.ambit.ztunnel.proxy;

import java.net.InetAddress;
import java.net.InetSocketAddress;

import io.ambit.hbone.Transport;
import io.ambit.netns.InPodServerChannelFactory;
import io.ambit.netns.InPodSocketChannelFactory;
import io.ambit.netns.NetNamespace;
import io.ambit.netns.OriginalDestination;
import io.ambit.netns.SyscallException;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ReflectiveChannelFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollSocketChannel;

/**
 * How ztunnel makes the sockets that serve one pod (ztunnel's socket-factory seam). In-pod: every
 * listener and every upstream socket is created inside the pod's network namespace (and marked,
 * so the pod's redirect rules let ztunnel's own traffic through), and a captured connection's
 * real destination comes from {@code SO_ORIGINAL_DST}. On the host: ordinary sockets, for the
 * in-process tests and for machines without capture, where applications reach ztunnel through
 * SOCKS5 and nothing is redirected.
 */
public interface PodSockets {

    ChannelFactory<? extends ServerChannel> listeners();

    ChannelFactory<? extends Channel> connections();

    /** Where a connection accepted by a capture listener (15001, 15006) was really going. */
    InetSocketAddress originalDestination(Channel accepted) throws CaptureException;

    /** Whether {@link #originalDestination} works: only with redirect rules in front of the listeners. */
    boolean captures();

    /**
     * The address HBONE connections leave from, when it must be chosen: on a shared host, the
     * pod's own, so the destination ztunnel knows the source workload by it as it would in-pod.
     */
    default InetAddress source() {
        return null;
    }

    static PodSockets inPod(NetNamespace namespace) {
        InPodServerChannelFactory listeners = new InPodServerChannelFactory(namespace);
        InPodSocketChannelFactory connections = new InPodSocketChannelFactory(namespace);
        return new PodSockets() {
            @Override
            public ChannelFactory<? extends ServerChannel> listeners() {
                return listeners;
            }

            @Override
            public ChannelFactory<? extends Channel> connections() {
                return connections;
            }

            @Override
            public InetSocketAddress originalDestination(Channel accepted) throws CaptureException {
                try {
                    return OriginalDestination.of((EpollSocketChannel) accepted);
                } catch (SyscallException e) {
                    throw new CaptureException("no original destination for " + accepted + ": " + e.getMessage(), e);
                }
            }

            @Override
            public boolean captures() {
                return true;
            }

            @Override
            public String toString() {
                return "in-pod sockets (" + namespace + ")";
            }
        };
    }

    /** @param source the pod's address, which outbound HBONE connections leave from */
    static PodSockets host(Transport transport, InetAddress source) {
        ChannelFactory<? extends ServerChannel> listeners = new ReflectiveChannelFactory<>(transport.serverChannel());
        ChannelFactory<? extends Channel> connections = new ReflectiveChannelFactory<>(transport.socketChannel());
        return new PodSockets() {
            @Override
            public ChannelFactory<? extends ServerChannel> listeners() {
                return listeners;
            }

            @Override
            public ChannelFactory<? extends Channel> connections() {
                return connections;
            }

            @Override
            public InetSocketAddress originalDestination(Channel accepted) throws CaptureException {
                throw new CaptureException("host sockets capture nothing: " + accepted + " has no original destination", null);
            }

            @Override
            public boolean captures() {
                return false;
            }

            @Override
            public InetAddress source() {
                return source;
            }

            @Override
            public String toString() {
                return "host sockets";
            }
        };
    }

    /** The original destination of a captured connection could not be recovered. */
    final class CaptureException extends Exception {
        public CaptureException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
