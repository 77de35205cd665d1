package io.ambit.ztunnel.state;

import java.util.List;
import java.util.Optional;

import io.ambit.proto.workload.GatewayAddress;

/**
 * A validated {@code istio.workload.Service}, keyed {@code namespace/hostname}. Its endpoints are not
 * part of it: they come from the workloads that name it ({@link StateSnapshot#endpoints}).
 */
public record Service(
        String name,
        String namespace,
        String hostname,
        List<NetworkAddress> vips,
        List<PortMapping> ports,
        List<String> subjectAltNames,
        Optional<GatewayAddress> waypoint,
        io.ambit.proto.workload.Service proto) implements Address {

    public Service {
        vips = List.copyOf(vips);
        ports = List.copyOf(ports);
        subjectAltNames = List.copyOf(subjectAltNames);
    }

    public String key() {
        return namespace + "/" + hostname;
    }
}
