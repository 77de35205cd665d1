package io.ambit.service.metrics;

import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.DoubleAdder;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * A counter exported under exactly Istio's name. istiod's exporter drops the {@code _total} suffix
 * ({@code WithoutCounterSuffixes}, kept for its OpenCensus-era names: {@code pilot_xds_pushes},
 * {@code citadel_server_csr_count}), and Istio's dashboards and alerts query those names. Micrometer's
 * Prometheus registry appends {@code _total} to every counter, so this one is a monotonic value
 * registered as a gauge: the sample name is Istio's, {@code rate()} reads it the same, only the
 * {@code # TYPE} line says gauge.
 */
public final class IstioSum {

    private final DoubleAdder value = new DoubleAdder();

    private IstioSum() {
    }

    /** Every registry's sums by series, so that registering a series again returns its sum, as Micrometer's counters do. */
    private static final Map<MeterRegistry, Map<String, IstioSum>> REGISTERED = new WeakHashMap<>();

    /** Registers the series {@code name{tags}}, or returns its sum when this registry already has it. */
    public static IstioSum register(MeterRegistry registry, String name, String description, Tags tags) {
        synchronized (REGISTERED) {
            return REGISTERED.computeIfAbsent(registry, r -> new HashMap<>()).computeIfAbsent(name + tags, series -> {
                IstioSum sum = new IstioSum();
                Gauge.builder(name, sum.value, DoubleAdder::sum).description(description).tags(tags)
                        .strongReference(true).register(registry);
                return sum;
            });
        }
    }

    public void increment() {
        value.add(1);
    }

    public double count() {
        return value.sum();
    }
}
