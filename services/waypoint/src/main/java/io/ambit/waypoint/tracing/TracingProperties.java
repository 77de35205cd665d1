package io.ambit.waypoint.tracing;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The waypoint's tracing ({@code ambit.waypoint.tracing.*}); off by default, as in Istio until a
 * tracing provider is configured.
 *
 * @param enabled      continue traces and export a span per request
 * @param sampling     the percentage of new traces sampled, 0–100, as Istio's
 *                     {@code meshConfig.defaultConfig.tracing.sampling} (and the Telemetry API's
 *                     {@code randomSamplingPercentage}); a request that carries a {@code traceparent}
 *                     keeps its caller's decision, as Envoy's OpenTelemetry tracer does
 * @param endpoint     the OTLP/HTTP traces endpoint of the collector
 * @param exportTimeout how long one export may take before it is given up
 * @param serviceName  the spans' {@code service.name}; by default Istio's {@code <waypoint>.<namespace>}
 */
@ConfigurationProperties("ambit.waypoint.tracing")
public record TracingProperties(
        @DefaultValue("false") boolean enabled,
        @DefaultValue("1.0") double sampling,
        @DefaultValue("http://127.0.0.1:4318/v1/traces") String endpoint,
        @DefaultValue("10s") Duration exportTimeout,
        String serviceName) {

    public TracingProperties {
        if (!(sampling >= 0.0 && sampling <= 100.0)) {
            throw new IllegalArgumentException("ambit.waypoint.tracing.sampling is a percentage from 0 to 100, not " + sampling);
        }
        if (enabled) {
            java.net.URI uri;
            try {
                uri = java.net.URI.create(endpoint);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("ambit.waypoint.tracing.endpoint is not a URL: " + endpoint, e);
            }
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException("ambit.waypoint.tracing.endpoint must be an http(s) URL such as "
                        + "http://otel-collector:4318/v1/traces, not " + endpoint);
            }
        }
    }

    /** Tracing off. */
    public static TracingProperties off() {
        return new TracingProperties(false, 1.0, "http://127.0.0.1:4318/v1/traces", Duration.ofSeconds(10), null);
    }
}
