package io.ambit.ztunnel.proxy;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;

import io.ambit.identity.SpiffeId;
import io.ambit.ztunnel.state.Service;
import io.ambit.ztunnel.state.Workload;

/** Where ztunnel sends one outbound connection, decided by {@link OutboundRouter}. */
public sealed interface Route {

    /** The service the client addressed (by its VIP), for telemetry and the {@code forwarded} header. */
    Optional<Service> service();

    /**
     * Through an HBONE tunnel.
     *
     * @param hboneAddress the HBONE server: the destination pod's {@code ip:15008}, or its waypoint's
     * @param authority    the CONNECT target: {@code podIP:targetPort}, or the original {@code VIP:port} via a waypoint
     * @param identity     what the HBONE server must prove in the handshake
     * @param destination  the workload that will receive the bytes (the waypoint, when there is one)
     * @param viaWaypoint  whether {@code hboneAddress} is a waypoint
     */
    record Hbone(InetSocketAddress hboneAddress, String authority, SpiffeId identity, Workload destination,
                 Optional<Service> service, boolean viaWaypoint) implements Route {
        public Hbone {
            Objects.requireNonNull(hboneAddress, "hboneAddress");
            Objects.requireNonNull(authority, "authority");
            Objects.requireNonNull(identity, "identity");
            Objects.requireNonNull(destination, "destination");
        }
    }

    /**
     * Plain TCP, unchanged: the destination is not in the mesh (Istio's passthrough), or is a
     * workload that does not speak HBONE.
     *
     * @param destination the known workload there, if any (telemetry)
     */
    record Passthrough(InetSocketAddress target, Optional<Workload> destination, Optional<Service> service) implements Route {
    }

    /** Nowhere: the connection is reset (e.g. a service with no healthy endpoint, as ztunnel does). */
    record Unreachable(String reason, Optional<Service> service) implements Route {
    }
}
