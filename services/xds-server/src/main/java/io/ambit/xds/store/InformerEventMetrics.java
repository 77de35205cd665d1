package io.ambit.xds.store;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.ambit.service.metrics.IstioSum;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * istiod's informer event counters, under its names and labels: {@code pilot_k8s_reg_events{type,event}}
 * for the service registry's kinds ({@code pilot/pkg/serviceregistry/kube/controller}: types
 * {@code Namespaces}, {@code Services}, {@code EndpointSlice}, {@code Pods}) and
 * {@code pilot_k8s_cfg_events{type,event}} for config kinds, typed by their Kind
 * ({@code pilot/pkg/config/kube/crdclient}). Events {@code add}, {@code update}, {@code delete}, counted
 * as the informer delivers them, the initial list's adds included, as istiod's handlers count them.
 * Both without {@code _total} (istiod's exporter drops it; see {@link IstioSum}).
 *
 * <p>istiod also counts {@code updatesame} for registry kinds whose handler filters unchanged
 * updates; none of the four kinds here has such a filter in istiod, so Ambit never emits it.
 */
final class InformerEventMetrics {

    static final String REGISTRY = "pilot_k8s_reg_events";
    static final String CONFIG = "pilot_k8s_cfg_events";

    /** Ambit's store kinds to istiod's registry type labels (its {@code registerHandlers} names). */
    private static final Map<String, String> REGISTRY_TYPES = Map.of(
            "Namespace", "Namespaces", "Service", "Services", "EndpointSlice", "EndpointSlice", "Pod", "Pods");

    enum Event {
        ADD("add"), UPDATE("update"), DELETE("delete");

        final String label;

        Event(String label) {
            this.label = label;
        }
    }

    private final MeterRegistry registry;
    private final Map<String, IstioSum> series = new ConcurrentHashMap<>();

    InformerEventMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** One informer event for an object of {@code kind} (the store's kind name: {@code Pod}, {@code Gateway} …). */
    void record(String kind, Event event) {
        series.computeIfAbsent(kind + '/' + event.label, key -> {
            String registryType = REGISTRY_TYPES.get(kind);
            return registryType != null
                    ? IstioSum.register(registry, REGISTRY, "Events from k8s registry.",
                            Tags.of("type", registryType, "event", event.label))
                    : IstioSum.register(registry, CONFIG, "Events from k8s config.",
                            Tags.of("type", kind, "event", event.label));
        }).increment();
    }
}
