package io.ambit.xds.ads;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.ambit.xdsclient.XdsTypes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Istio's per-type push and reject counters, looked up once per type rather than once per
 * response (a push to 200 clients would otherwise build 200 meter ids).
 */
final class AdsMetrics {

    private final MeterRegistry registry;
    private final Map<String, Counter> pushes = new ConcurrentHashMap<>();
    private final Map<String, Counter> rejects = new ConcurrentHashMap<>();

    AdsMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** {@code pilot_xds_pushes{type}}: responses sent. */
    Counter pushes(String typeUrl) {
        return pushes.computeIfAbsent(typeUrl, t -> Counter.builder("pilot_xds_pushes").tag("type", XdsTypes.shortName(t))
                .description("xDS responses sent, by type").register(registry));
    }

    /** {@code pilot_total_xds_rejects{type}}: NACKs received. */
    Counter rejects(String typeUrl) {
        return rejects.computeIfAbsent(typeUrl, t -> Counter.builder("pilot_total_xds_rejects").tag("type", XdsTypes.shortName(t))
                .description("xDS responses rejected by clients (NACK), by type").register(registry));
    }
}
