package io.ambit.waypoint.config;

import java.util.List;

import io.ambit.authz.rbac.RbacEngine;

/**
 * One service port the waypoint fronts (one Envoy Listener): its L7 authorization filters in
 * order and the name of the RouteConfiguration that routes its requests.
 *
 * @param listener the Listener name ({@code <host>:<port>})
 * @param host     the service's host name, from the listener name (telemetry's destination_service)
 * @param faults   whether the chain has Envoy's fault filter (routes' fault configs apply only then)
 * @param workload for a workload-addressed chain (a pod bound to the waypoint, any port), the pod's
 *                 identity, which its HBONE server must prove; null for a service's chain
 * @param tcpCluster for a TCP port (Envoy's tcp_proxy), the cluster its bytes go to; null for HTTP
 * @param tcpIdleTimeout for a TCP port, the tcp_proxy's {@code idle_timeout} (no byte either way for
 *                   that long ends the connection; zero: never); Envoy's 1 h when unset
 */
public record ServiceChain(String listener, String host, int port, List<RbacEngine> authorization, String routeConfig, boolean faults,
                           io.ambit.identity.SpiffeId workload, String tcpCluster, java.time.Duration tcpIdleTimeout) {

    public ServiceChain {
        authorization = List.copyOf(authorization);
        if (tcpCluster != null && tcpIdleTimeout == null) {
            tcpIdleTimeout = ResourceCompiler.TCP_IDLE_TIMEOUT_DEFAULT;
        }
    }

    public ServiceChain(String listener, String host, int port, List<RbacEngine> authorization, String routeConfig, boolean faults,
            io.ambit.identity.SpiffeId workload, String tcpCluster) {
        this(listener, host, port, authorization, routeConfig, faults, workload, tcpCluster, null);
    }

    public ServiceChain(String listener, String host, int port, List<RbacEngine> authorization, String routeConfig, boolean faults,
            io.ambit.identity.SpiffeId workload) {
        this(listener, host, port, authorization, routeConfig, faults, workload, null);
    }

    public boolean tcp() {
        return tcpCluster != null;
    }

    public ServiceChain(String listener, String host, int port, List<RbacEngine> authorization, String routeConfig, boolean faults) {
        this(listener, host, port, authorization, routeConfig, faults, null);
    }
}
