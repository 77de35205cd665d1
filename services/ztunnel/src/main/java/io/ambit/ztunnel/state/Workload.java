package io.ambit.ztunnel.state;

import io.ambit.identity.WorkloadIdentity;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.ambit.identity.SpiffeId;
import io.ambit.proto.workload.GatewayAddress;
import io.ambit.proto.workload.TunnelProtocol;
import io.ambit.proto.workload.WorkloadStatus;

/**
 * A validated {@code istio.workload.Workload}: what ztunnel uses, typed, plus the message itself
 * for anything else (debug output).
 *
 * @param addresses              IPs of this workload (on {@link #network})
 * @param services               {@code namespace/hostname} → port mappings, the services it backs
 * @param authorizationPolicies  {@code namespace/name} of the WORKLOAD_SELECTOR policies selecting it
 * @param waypoint               the waypoint its traffic goes through, if any
 */
public record Workload(
        String uid,
        String name,
        String namespace,
        List<InetAddress> addresses,
        String hostname,
        String network,
        TunnelProtocol tunnelProtocol,
        String trustDomain,
        String serviceAccount,
        String node,
        Optional<GatewayAddress> waypoint,
        Map<String, List<PortMapping>> services,
        List<String> authorizationPolicies,
        WorkloadStatus status,
        io.ambit.proto.workload.Workload proto) implements Address {

    public Workload {
        addresses = List.copyOf(addresses);
        services = Map.copyOf(services);
        authorizationPolicies = List.copyOf(authorizationPolicies);
    }

    /** Enrolled in the mesh: its traffic is captured and tunnelled over HBONE. */
    public boolean hbone() {
        return tunnelProtocol == TunnelProtocol.HBONE;
    }

    /** {@code spiffe://<trust domain>/ns/<namespace>/sa/<service account>}, as its certificate says. */
    public String spiffeId() {
        return identity().toString();
    }

    /** The identity its certificate carries and a peer must prove (built from its parts, not parsed). */
    public SpiffeId identity() {
        return new WorkloadIdentity(trustDomain, namespace, serviceAccount).spiffeId();
    }
}
