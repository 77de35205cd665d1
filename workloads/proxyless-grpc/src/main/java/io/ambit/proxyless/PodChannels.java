package io.ambit.proxyless;

import java.io.IOException;
import java.util.Optional;

import io.ambit.netns.InPodSocketChannelFactory;
import io.ambit.netns.NetNamespace;
import io.ambit.netns.NetNamespaces;
import io.ambit.netns.SyscallException;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;

/**
 * The application's channel to an {@code xds:///} target, with its connections leaving from the
 * pod: in the lab (pods are network namespaces) each data-plane socket is opened inside the pod's
 * namespace, unmarked, so the pod's redirect rules hand it to its ztunnel as any application's
 * connection; on the host (pods at loopback addresses) the sockets are the host's. grpc-xds's own
 * channel to the xDS server is not this channel's: it stays on the host, where the control plane
 * listens (as a pod's would reach istiod's Service).
 */
final class PodChannels implements AutoCloseable {

    /** Plain sockets: the packet mark 0 is what an application's socket carries, so capture applies. */
    private static final int APPLICATION_MARK = 0;

    private final NetNamespace namespace;
    private final EventLoopGroup group;
    final String where;

    private PodChannels(NetNamespace namespace, EventLoopGroup group, String where) {
        this.namespace = namespace;
        this.group = group;
        this.where = where;
    }

    /** Finds where {@code pod}'s connections must start: its network namespace when it has one (root needed), else the host. */
    static PodChannels forPod(MeshPod pod) throws IOException {
        if (pod.ip().isLoopbackAddress()) {
            return new PodChannels(null, null, "from the host (pods at loopback addresses; no capture)");
        }
        Optional<NetNamespace> found = NetNamespaces.findByAddress(pod.ip());
        if (found.isEmpty()) {
            throw new IOException("no network namespace carries " + pod.ip().getHostAddress() + " (pod " + pod.namespace() + "/"
                    + pod.name() + "): is the lab up, and is this run as root?");
        }
        return new PodChannels(found.get(), new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory()),
                "from inside pod " + pod.name() + "'s network namespace " + found.get() + " (captured by its ztunnel)");
    }

    ManagedChannel open(String target) {
        NettyChannelBuilder builder = NettyChannelBuilder.forTarget(target).usePlaintext();
        if (namespace != null) {
            builder.channelFactory(new InPodSocketChannelFactory(namespace, APPLICATION_MARK)).eventLoopGroup(group);
        }
        return builder.build();
    }

    @Override
    public void close() {
        if (group != null) {
            group.shutdownGracefully();
        }
        if (namespace != null) {
            try {
                namespace.close();
            } catch (SyscallException e) {
                // the process ends next; a descriptor that fails to close is nothing to report
            }
        }
    }
}
