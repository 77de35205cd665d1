package io.ambit.xds.ads;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.ambit.service.metrics.IstioSum;
import io.ambit.xdsclient.XdsTypes;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * istiod's per-type xDS series ({@code pilot/pkg/xds/monitoring.go}), under Istio's names, labels and
 * buckets so that Istio's control-plane dashboard reads them: {@code pilot_xds_pushes{type}} and
 * {@code pilot_total_xds_rejects{type}} without {@code _total} (see {@link IstioSum}),
 * {@code pilot_xds_push_time{type}} (seconds, no unit suffix, as istiod's exporter runs without units)
 * and {@code pilot_xds_config_size_bytes{type}}. Looked up once per type rather than once per response
 * (a push to 200 clients would otherwise build 200 meter ids).
 */
final class AdsMetrics {

    /** istiod's {@code pilot_xds_push_time} buckets, in seconds. */
    private static final double[] PUSH_TIME_BUCKETS = {.01, .1, 1, 3, 5, 10, 20, 30};
    /** istiod's {@code pilot_xds_config_size_bytes} buckets: 10 kB, 1 MB, 4 MB (gRPC's default limit), 10 MB, 40 MB. */
    private static final double[] CONFIG_SIZE_BUCKETS = {1, 10_000, 1_000_000, 4_000_000, 10_000_000, 40_000_000};

    private final MeterRegistry registry;
    private final Map<String, IstioSum> pushes = new ConcurrentHashMap<>();
    private final Map<String, IstioSum> rejects = new ConcurrentHashMap<>();
    private final Map<String, DistributionSummary> pushTimes = new ConcurrentHashMap<>();
    private final Map<String, DistributionSummary> sizes = new ConcurrentHashMap<>();
    private final Map<String, java.util.concurrent.atomic.AtomicInteger> clientsByVersion = new ConcurrentHashMap<>();

    AdsMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** One response of {@code typeUrl} sent: {@code bytes} long, {@code nanos} from building it until handed to gRPC. */
    void pushed(String typeUrl, long nanos, int bytes) {
        pushes.computeIfAbsent(typeUrl, t -> IstioSum.register(registry, "pilot_xds_pushes",
                "xDS responses sent, by type", type(t))).increment();
        pushTimes.computeIfAbsent(typeUrl, t -> DistributionSummary.builder("pilot_xds_push_time")
                .description("seconds to build and send one xDS response, by type").tags(type(t))
                .serviceLevelObjectives(PUSH_TIME_BUCKETS).register(registry)).record(nanos / 1e9);
        sizes.computeIfAbsent(typeUrl, t -> DistributionSummary.builder("pilot_xds_config_size_bytes")
                .description("size of each xDS response sent, by type").tags(type(t))
                .serviceLevelObjectives(CONFIG_SIZE_BUCKETS).register(registry)).record(bytes);
    }

    /**
     * {@code pilot_xds{version}}: clients connected, by the {@code ISTIO_VERSION} their node metadata
     * names (empty when it names none), counted from their first request with a node until their
     * stream ends, as istiod's {@code recordXDSClients} counts from {@code addCon} to {@code removeCon}.
     */
    void clientConnected(String version) {
        clientsByVersion.computeIfAbsent(version, v -> {
            var count = new java.util.concurrent.atomic.AtomicInteger();
            io.micrometer.core.instrument.Gauge.builder("pilot_xds", count, java.util.concurrent.atomic.AtomicInteger::get)
                    .description("clients connected over xDS, by the Istio version they report")
                    .tags("version", v).strongReference(true).register(registry);
            return count;
        }).incrementAndGet();
    }

    void clientDisconnected(String version) {
        var count = clientsByVersion.get(version);
        if (count != null) {
            count.decrementAndGet();
        }
    }

    /** The {@code ISTIO_VERSION} a node's metadata names, or "" (istiod's label value then). */
    static String istioVersion(com.google.protobuf.Struct metadata) {
        var value = metadata.getFieldsMap().get("ISTIO_VERSION");
        return value == null || !value.hasStringValue() ? "" : value.getStringValue();
    }

    /** {@code pilot_total_xds_rejects{type}}: a NACK received. */
    void rejected(String typeUrl) {
        rejects.computeIfAbsent(typeUrl, t -> IstioSum.register(registry, "pilot_total_xds_rejects",
                "xDS responses rejected by clients (NACK), by type", type(t))).increment();
    }

    private static Tags type(String typeUrl) {
        return Tags.of("type", XdsTypes.shortName(typeUrl));
    }
}
