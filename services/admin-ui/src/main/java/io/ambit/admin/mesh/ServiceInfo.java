package io.ambit.admin.mesh;

import java.util.List;

/**
 * A service as the API shows it, from the translated {@code istio.workload.Service}.
 *
 * @param vips      its virtual IPs
 * @param ports     service port → target port
 * @param waypoint  the waypoint its traffic goes through ({@code namespace/name}), or null
 * @param endpoints the uids of the workloads that serve it
 */
public record ServiceInfo(String name, String namespace, String hostname, List<String> vips, List<Port> ports,
                          String waypoint, List<String> endpoints) {

    public ServiceInfo {
        vips = List.copyOf(vips);
        ports = List.copyOf(ports);
        endpoints = List.copyOf(endpoints);
    }

    public record Port(int port, int targetPort) {
    }

    public String key() {
        return namespace + "/" + hostname;
    }
}
