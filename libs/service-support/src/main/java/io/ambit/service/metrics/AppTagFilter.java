package io.ambit.service.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;

/**
 * Adds {@code app=<service>} to every meter except Istio's own series ({@code istio_*}), which keep
 * exactly the label set Istio's proxies export: dashboards and recording rules written for Istio
 * group by those labels, and an extra one would split or break them.
 */
public final class AppTagFilter implements MeterFilter {

    static final String ISTIO_PREFIX = "istio_";

    private final Tag app;

    public AppTagFilter(String application) {
        this.app = Tag.of("app", application);
    }

    @Override
    public Meter.Id map(Meter.Id id) {
        if (id.getName().startsWith(ISTIO_PREFIX) || id.getTag("app") != null) {
            return id;
        }
        return id.withTag(app);
    }
}
