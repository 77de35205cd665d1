package io.ambit.xds.state;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.ambit.service.metrics.IstioSum;
import io.ambit.xds.store.ResourceKey;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * istiod's push-side series ({@code pilot/pkg/xds/monitoring.go}) under its names and buckets:
 * {@code pilot_proxy_convergence_time} (seconds, no unit suffix), {@code pilot_push_triggers{type}}
 * with istiod's trigger reasons, and {@code pilot_total_xds_internal_errors}.
 */
final class PushMetrics {

    /** istiod's {@code pilot_proxy_convergence_time} buckets, in seconds. */
    private static final double[] CONVERGENCE_BUCKETS = {.1, .5, 1, 3, 5, 10, 20, 30};

    private final MeterRegistry registry;
    private final DistributionSummary convergence;
    private final IstioSum internalErrors;
    private final Map<String, IstioSum> triggers = new ConcurrentHashMap<>();

    PushMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.convergence = DistributionSummary.builder("pilot_proxy_convergence_time")
                .description("seconds from the first config change in a debounce window until every client's push is handed to the transport")
                .serviceLevelObjectives(CONVERGENCE_BUCKETS).register(registry);
        this.internalErrors = IstioSum.register(registry, "pilot_total_xds_internal_errors",
                "translations that failed with a bug (the last good generation kept serving)", Tags.empty());
    }

    /** A generation pushed: its changes counted by istiod's reason, and the convergence delay. */
    void pushed(Set<ResourceKey> changed, long nanosSinceFirstChange) {
        if (changed == null) {
            trigger("global");
        } else {
            changed.forEach(key -> trigger(reason(key.kind())));
        }
        convergence.record(nanosSinceFirstChange / 1e9);
    }

    void internalError() {
        internalErrors.increment();
    }

    /** istiod's {@code model.TriggerReason} values for what changed in the store. */
    static String reason(String kind) {
        return switch (kind) {
            case "Pod", "EndpointSlice", "WorkloadEntry" -> "endpoint";
            case "Service", "ServiceEntry" -> "service";
            case "Namespace" -> "namespace";
            default -> "config";
        };
    }

    private void trigger(String reason) {
        triggers.computeIfAbsent(reason, r -> IstioSum.register(registry, "pilot_push_triggers",
                "pushes triggered, by reason", Tags.of("type", r))).increment();
    }
}
