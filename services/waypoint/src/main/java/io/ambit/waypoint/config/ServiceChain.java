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
 */
public record ServiceChain(String listener, String host, int port, List<RbacEngine> authorization, String routeConfig, boolean faults) {

    public ServiceChain {
        authorization = List.copyOf(authorization);
    }
}
