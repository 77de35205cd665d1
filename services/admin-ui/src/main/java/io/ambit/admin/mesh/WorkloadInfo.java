package io.ambit.admin.mesh;

import java.util.List;
import java.util.Map;

/**
 * A workload as the API shows it, from the xds-server's translated {@code istio.workload.Workload}.
 *
 * @param workloadName the owner's name (Deployment), what metrics call {@code source_workload}
 * @param identity     its SPIFFE ID; empty when it has no service account
 * @param captured     enrolled in ambient: its tunnel protocol is HBONE, so its node's ztunnel captures it
 * @param waypoint     the waypoint its traffic goes through ({@code namespace/name}), or null
 * @param services     the services it serves ({@code namespace/hostname}) with {service port: target port}
 * @param policies     the WORKLOAD_SELECTOR policies that select it ({@code namespace/name})
 */
public record WorkloadInfo(String uid, String name, String namespace, String workloadName, String node, String serviceAccount,
                           String identity, List<String> addresses, boolean captured, String waypoint,
                           Map<String, Map<Integer, Integer>> services, List<String> policies, String status) {

    public WorkloadInfo {
        addresses = List.copyOf(addresses);
        services = Map.copyOf(services);
        policies = List.copyOf(policies);
    }

    public String key() {
        return namespace + "/" + name;
    }
}
