package io.ambit.l7.route;

import java.time.Duration;
import java.util.Set;



/**
 * Envoy's {@code RetryPolicy}, the part the waypoint acts on: which failures are retried
 * ({@code retry_on}: {@code 5xx}, {@code gateway-error}, {@code reset}, {@code connect-failure},
 * {@code retriable-status-codes}; the gRPC conditions {@code refused-stream}, {@code unavailable},
 * {@code cancelled} are accepted and apply to HTTP/2 upstreams, which this waypoint does not open),
 * how many times, the per-try timeout and the back-off base interval (Envoy's default 25 ms).
 */
public record RetryPolicy(int numRetries, Set<String> retryOn, Set<Integer> retriableStatusCodes, Duration perTryTimeout,
                          Duration backOffBase) {

    public static final RetryPolicy NONE = new RetryPolicy(0, Set.of(), Set.of(), Duration.ZERO, Duration.ofMillis(25));
    private static final Set<String> KNOWN = Set.of("5xx", "gateway-error", "reset", "reset-before-request", "connect-failure",
            "retriable-status-codes", "refused-stream", "unavailable", "cancelled", "deadline-exceeded", "internal",
            "resource-exhausted", "envoy-ratelimited", "retriable-4xx", "retriable-headers", "http3-post-connect-failure");

    public RetryPolicy {
        retryOn = Set.copyOf(retryOn);
        retriableStatusCodes = Set.copyOf(retriableStatusCodes);
    }

    public static RetryPolicy of(io.envoyproxy.envoy.config.route.v3.RetryPolicy p) {
        Set<String> on = new java.util.HashSet<>();
        for (String token : p.getRetryOn().split(",")) {
            String t = token.trim();
            if (t.isEmpty()) {
                continue;
            }
            if (!KNOWN.contains(t)) {
                throw new RouteConfigException("retry_on \"" + t + "\" is not an Envoy retry condition");
            }
            on.add(t);
        }
        int retries = p.hasNumRetries() ? p.getNumRetries().getValue() : 1; // Envoy's default
        Duration perTry = p.hasPerTryTimeout() ? proto(p.getPerTryTimeout()) : Duration.ZERO;
        Duration base = p.hasRetryBackOff() && p.getRetryBackOff().hasBaseInterval()
                ? proto(p.getRetryBackOff().getBaseInterval()) : Duration.ofMillis(25);
        return new RetryPolicy(retries, on, Set.copyOf(p.getRetriableStatusCodesList()), perTry, base);
    }

    static Duration proto(com.google.protobuf.Duration d) {
        return Duration.ofSeconds(d.getSeconds(), d.getNanos());
    }

    /** Whether an upstream answer with this status is retried. */
    public boolean retriesStatus(int status) {
        return (retryOn.contains("5xx") && status >= 500)
                || (retryOn.contains("gateway-error") && (status == 502 || status == 503 || status == 504))
                || (retryOn.contains("retriable-status-codes") && retriableStatusCodes.contains(status));
    }

    /** Whether a failure to connect (no tunnel) is retried. */
    public boolean retriesConnectFailure() {
        return retryOn.contains("connect-failure") || retryOn.contains("reset") || retryOn.contains("5xx")
                || retryOn.contains("gateway-error") || retryOn.contains("reset-before-request");
    }

    /** Whether a reset (the tunnel closed before a response) or a per-try timeout is retried. */
    public boolean retriesReset() {
        return retryOn.contains("reset") || retryOn.contains("5xx") || retryOn.contains("gateway-error");
    }

    /** Envoy's back-off: a random wait in [0, base * 2^attempt), capped at 10x base. */
    public Duration backOff(int attempt) {
        long base = Math.max(1, backOffBase.toMillis());
        long cap = Math.min(base * (1L << Math.min(attempt, 10)), base * 10);
        return Duration.ofMillis(java.util.concurrent.ThreadLocalRandom.current().nextLong(cap));
    }
}
