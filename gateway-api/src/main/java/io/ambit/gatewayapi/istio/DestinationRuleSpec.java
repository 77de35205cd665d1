package io.ambit.gatewayapi.istio;

import java.util.List;

/**
 * {@code networking.istio.io/v1} DestinationRule {@code spec}: the traffic policy a waypoint
 * applies to a service's cluster (load balancer, connection pool, outlier detection), field names
 * as Istio's {@code destination_rule.proto}. Subsets, TLS, port-level policies and the rest are
 * not modelled, so they are refused by name rather than ignored.
 */
public record DestinationRuleSpec(String host, TrafficPolicy trafficPolicy, List<String> exportTo) {

    public DestinationRuleSpec {
        exportTo = exportTo == null ? List.of() : List.copyOf(exportTo);
    }

    public record TrafficPolicy(LoadBalancer loadBalancer, ConnectionPool connectionPool, OutlierDetection outlierDetection) {
    }

    public record LoadBalancer(Simple simple) {
    }

    /** {@code LoadBalancerSettings.SimpleLB}; {@code LEAST_CONN} is Istio's deprecated name for {@code LEAST_REQUEST}. */
    public enum Simple { UNSPECIFIED, LEAST_CONN, RANDOM, PASSTHROUGH, ROUND_ROBIN, LEAST_REQUEST }

    public record ConnectionPool(Tcp tcp, Http http) {
    }

    public record Tcp(Integer maxConnections, String connectTimeout) {
    }

    public record Http(Integer http1MaxPendingRequests, Integer http2MaxRequests, Integer maxRequestsPerConnection,
                       Integer maxRetries, String idleTimeout) {
    }

    public record OutlierDetection(Integer consecutive5xxErrors, Integer consecutiveGatewayErrors, String interval,
                                   String baseEjectionTime, Integer maxEjectionPercent, Integer minHealthPercent) {
    }
}
