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
 *
 * @param listeners    where listening sockets are made
 * @param connections  where upstream and HBONE sockets are made
 * @param destinations how a captured connection's real destination is found; null where nothing is captured
 * @param source       the address HBONE connections leave from, when it must be chosen: on a shared
 *                     host, the pod's own, so the destination ztunnel knows the source workload by it
 *                     as it would in-pod; null in a pod's namespace (the pod's address is the only one)
 * @param description  for logs
 */
public record PodSockets(ChannelFactory<? extends ServerChannel> listeners, ChannelFactory<? extends Channel> connections,
                         OriginalDestinations destinations, InetAddress source, String description) {

    /** Where a connection accepted by a capture listener (15001, 15006) was really going. */
    @FunctionalInterface
    public interface OriginalDestinations {
        InetSocketAddress of(Channel accepted) throws CaptureException;
    }

    public InetSocketAddress originalDestination(Channel accepted) throws CaptureException {
        if (destinations == null) {
            throw new CaptureException(description + " capture nothing: " + accepted + " has no original destination", null);
        }
        return destinations.of(accepted);
    }

    /** Whether {@link #originalDestination} works: only with redirect rules in front of the listeners. */
    public boolean captures() {
        return destinations != null;
    }

    @Override
    public String toString() {
        return description;
    }

    public static PodSockets inPod(NetNamespace namespace) {
        return new PodSockets(new InPodServerChannelFactory(namespace), new InPodSocketChannelFactory(namespace), accepted -> {
            try {
                return OriginalDestination.of((EpollSocketChannel) accepted);
            } catch (SyscallException e) {
                throw new CaptureException("no original destination for " + accepted + ": " + e.getMessage(), e);
            }
        }, null, "in-pod sockets (" + namespace + ")");
    }

    /** @param source the pod's address, which outbound HBONE connections leave from */
    public static PodSockets host(Transport transport, InetAddress source) {
        return new PodSockets(new ReflectiveChannelFactory<>(transport.serverChannel()),
                new ReflectiveChannelFactory<>(transport.socketChannel()), null, source, "host sockets");
    }

    /** The original destination of a captured connection could not be recovered. */
    public static final class CaptureException extends Exception {
        public CaptureException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
