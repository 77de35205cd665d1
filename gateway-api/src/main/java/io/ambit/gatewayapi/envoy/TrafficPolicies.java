package io.ambit.gatewayapi.envoy;

import com.google.protobuf.UInt32Value;
import io.ambit.gatewayapi.istio.DestinationRuleSpec;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.type.v3.Percent;

/**
 * A DestinationRule's {@code trafficPolicy} applied to an Envoy {@link Cluster}, as istiod's
 * {@code cluster_traffic_policy.go} does it:
 * <ul>
 * <li>{@code loadBalancer.simple}: LEAST_REQUEST (and its old name LEAST_CONN) → LEAST_REQUEST,
 *     ROUND_ROBIN, RANDOM; PASSTHROUGH is refused (a waypoint has no original destination to
 *     pass to); UNSPECIFIED keeps the cluster's default;</li>
 * <li>{@code connectionPool}: circuit-breaker thresholds start at istiod's defaults (every limit
 *     {@code 2^32-1}) and take {@code http2MaxRequests} → max_requests,
 *     {@code http1MaxPendingRequests} → max_pending_requests, {@code maxRetries} → max_retries,
 *     {@code tcp.maxConnections} → max_connections (each only when above 0, as istiod);
 *     {@code tcp.connectTimeout} → connect_timeout;</li>
 * <li>{@code outlierDetection}: success-rate ejection off; {@code consecutive5xxErrors} →
 *     consecutive_5xx with enforcing 100 (0 when 0); {@code consecutiveGatewayErrors} →
 *     consecutive_gateway_failure with enforcing 100 (0 when 0); interval, base ejection time,
 *     max ejection percent (when above 0); {@code minHealthPercent} → the panic threshold (0 when
 *     unset: istiod turns Envoy's 50 % panic mode off).</li>
 * </ul>
 * Not applied (and refused by the model): subsets, TLS, port-level settings, consistent hash,
 * locality settings, warmup, idle timeouts and requests per connection.
 */
public final class TrafficPolicies {

    private static final long UNLIMITED = 0xFFFF_FFFFL;

    private TrafficPolicies() {
    }

    /** @throws IllegalArgumentException naming the field that cannot be applied */
    public static Cluster apply(Cluster cluster, DestinationRuleSpec.TrafficPolicy policy) {
        if (policy == null) {
            return cluster;
        }
        Cluster.Builder out = cluster.toBuilder();
        if (policy.loadBalancer() != null && policy.loadBalancer().simple() != null) {
            switch (policy.loadBalancer().simple()) {
                case LEAST_CONN, LEAST_REQUEST -> out.setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST);
                case ROUND_ROBIN -> out.setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN);
                case RANDOM -> out.setLbPolicy(Cluster.LbPolicy.RANDOM);
                case PASSTHROUGH -> throw new IllegalArgumentException(
                        "trafficPolicy.loadBalancer.simple: PASSTHROUGH is not supported for waypoint-served services");
                case UNSPECIFIED -> {
                    // the cluster's default
                }
            }
        }
        if (policy.connectionPool() != null) {
            connectionPool(out, policy.connectionPool());
        }
        if (policy.outlierDetection() != null) {
            outlierDetection(out, policy.outlierDetection());
        }
        return out.build();
    }

    private static void connectionPool(Cluster.Builder out, DestinationRuleSpec.ConnectionPool pool) {
        CircuitBreakers.Thresholds.Builder t = CircuitBreakers.Thresholds.newBuilder()
                .setMaxRetries(u32(UNLIMITED)).setMaxRequests(u32(UNLIMITED))
                .setMaxConnections(u32(UNLIMITED)).setMaxPendingRequests(u32(UNLIMITED)).setTrackRemaining(true);
        if (pool.http() != null) {
            DestinationRuleSpec.Http http = pool.http();
            if (positive(http.http2MaxRequests(), "connectionPool.http.http2MaxRequests")) {
                t.setMaxRequests(u32(http.http2MaxRequests()));
            }
            if (positive(http.http1MaxPendingRequests(), "connectionPool.http.http1MaxPendingRequests")) {
                t.setMaxPendingRequests(u32(http.http1MaxPendingRequests()));
            }
            if (positive(http.maxRetries(), "connectionPool.http.maxRetries")) {
                t.setMaxRetries(u32(http.maxRetries()));
            }
            if (http.maxRequestsPerConnection() != null || http.idleTimeout() != null) {
                throw new IllegalArgumentException("connectionPool.http: maxRequestsPerConnection and idleTimeout are not supported"
                        + " (the waypoint's upstream streams are not pooled per connection)");
            }
        }
        if (pool.tcp() != null) {
            if (pool.tcp().connectTimeout() != null) {
                out.setConnectTimeout(IstioDurations.proto(IstioDurations.parse(pool.tcp().connectTimeout(), "connectionPool.tcp.connectTimeout")));
            }
            if (positive(pool.tcp().maxConnections(), "connectionPool.tcp.maxConnections")) {
                t.setMaxConnections(u32(pool.tcp().maxConnections()));
            }
        }
        out.setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(t));
    }

    private static void outlierDetection(Cluster.Builder out, DestinationRuleSpec.OutlierDetection o) {
        OutlierDetection.Builder od = OutlierDetection.newBuilder().setEnforcingSuccessRate(u32(0));
        if (o.consecutive5xxErrors() != null) {
            int v = nonNegative(o.consecutive5xxErrors(), "outlierDetection.consecutive5xxErrors");
            od.setConsecutive5Xx(u32(v)).setEnforcingConsecutive5Xx(u32(v > 0 ? 100 : 0));
        }
        if (o.consecutiveGatewayErrors() != null) {
            int v = nonNegative(o.consecutiveGatewayErrors(), "outlierDetection.consecutiveGatewayErrors");
            od.setConsecutiveGatewayFailure(u32(v)).setEnforcingConsecutiveGatewayFailure(u32(v > 0 ? 100 : 0));
        }
        if (o.interval() != null) {
            od.setInterval(IstioDurations.proto(IstioDurations.parse(o.interval(), "outlierDetection.interval")));
        }
        if (o.baseEjectionTime() != null) {
            od.setBaseEjectionTime(IstioDurations.proto(IstioDurations.parse(o.baseEjectionTime(), "outlierDetection.baseEjectionTime")));
        }
        if (o.maxEjectionPercent() != null && o.maxEjectionPercent() > 0) {
            if (o.maxEjectionPercent() > 100) {
                throw new IllegalArgumentException("outlierDetection.maxEjectionPercent: " + o.maxEjectionPercent() + " is above 100");
            }
            od.setMaxEjectionPercent(u32(o.maxEjectionPercent()));
        }
        out.setOutlierDetection(od);
        int minHealth = o.minHealthPercent() == null ? 0 : o.minHealthPercent();
        if (minHealth >= 0) {
            out.setCommonLbConfig(out.getCommonLbConfig().toBuilder().setHealthyPanicThreshold(Percent.newBuilder().setValue(minHealth)));
        }
    }

    private static boolean positive(Integer value, String field) {
        return value != null && nonNegative(value, field) > 0;
    }

    private static int nonNegative(int value, String field) {
        if (value < 0) {
            throw new IllegalArgumentException(field + ": " + value + " is negative");
        }
        return value;
    }

    private static UInt32Value u32(long value) {
        return UInt32Value.of((int) value);
    }
}
