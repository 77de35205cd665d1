package io.ambit.waypoint.config;

import java.time.Duration;

/**
 * How a cluster's endpoints are chosen and protected, from the Envoy Cluster (a DestinationRule's
 * traffic policy, translated by the control plane): the connect timeout, the load-balancing
 * policy, outlier detection (null when off), the healthy-panic threshold and the circuit
 * breaker's limit on concurrent requests.
 *
 * @param panicThresholdPercent below this share of healthy endpoints, every endpoint is used (Envoy's default 50)
 * @param maxRequests           concurrent requests to the cluster before new ones overflow (503 UO)
 */
public record ClusterPolicy(Duration connectTimeout, Lb lb, Outlier outlier, double panicThresholdPercent, long maxRequests) {

    /**
     * {@code ORIGINAL_DST}: Envoy's original-destination cluster (Istio's {@code encap}), whose one
     * endpoint is the tunnel's own target, a workload bound to the waypoint.
     */
    public enum Lb { ROUND_ROBIN, LEAST_REQUEST, RANDOM, ORIGINAL_DST }

    /**
     * Envoy's consecutive-error ejection: after {@code consecutive5xx} 5xx answers (or connect
     * failures) in a row, or {@code consecutiveGatewayFailure} 502/503/504 (or connect failures),
     * an endpoint is ejected for {@code baseEjectionTime} × the times it was ejected (at most
     * {@code maxEjectionTime}), while no more than {@code maxEjectionPercent} of the cluster (but
     * always at least one endpoint) is out. A threshold of 0, or enforcement 0 %, turns it off.
     */
    public record Outlier(int consecutive5xx, int enforcing5xx, int consecutiveGatewayFailure, int enforcingGatewayFailure,
                          Duration baseEjectionTime, Duration maxEjectionTime, int maxEjectionPercent) {
    }

    public static final long UNLIMITED = 0xFFFF_FFFFL;

    /** What a cluster without a traffic policy gets: round robin, no ejection, Envoy's defaults. */
    public static ClusterPolicy defaults(Duration connectTimeout) {
        return new ClusterPolicy(connectTimeout, Lb.ROUND_ROBIN, null, 50, 1024);
    }
}
