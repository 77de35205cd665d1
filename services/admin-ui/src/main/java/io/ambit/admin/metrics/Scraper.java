package io.ambit.admin.metrics;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import io.ambit.admin.upstream.AdminProperties;
import io.ambit.admin.upstream.Upstream;
import io.ambit.admin.upstream.UpstreamException;

/**
 * Scrapes the proxies' Prometheus pages itself (every ztunnel's metrics port and the configured
 * targets, e.g. the waypoint), keeping Istio's series only, and the previous round beside the
 * current one so rates are over one interval (what Kiali asks Prometheus for with {@code rate()}).
 */
public final class Scraper {

    /** One target's last answer, or why it gave none. */
    public record Target(String name, URI url, Instant at, List<PrometheusText.Sample> samples, String error) {
        public Target {
            samples = List.copyOf(samples);
        }

        public boolean up() {
            return error == null;
        }
    }

    /** One scrape round of every target. */
    public record Round(Instant at, List<Target> targets) {
        public Round {
            targets = List.copyOf(targets);
        }

        public List<PrometheusText.Sample> samples() {
            return targets.stream().flatMap(t -> t.samples().stream()).toList();
        }
    }

    private final Map<String, URI> targets = new LinkedHashMap<>();
    private final Upstream upstream;
    private final Clock clock;
    private final AtomicReference<Round[]> rounds = new AtomicReference<>(new Round[] {null, null});

    public Scraper(AdminProperties properties, Upstream upstream, Clock clock) {
        properties.ztunnels().forEach(z -> targets.put("ztunnel " + z.node(), z.metricsUrl()));
        properties.scrapeTargets().forEach(t -> targets.put(t.name(), t.url()));
        this.upstream = upstream;
        this.clock = clock;
    }

    /** Scrapes every target once; the round becomes current, the current one previous. */
    public synchronized Round scrape() {
        List<Target> results = new ArrayList<>();
        targets.forEach((name, url) -> {
            Instant at = clock.instant();
            try {
                // Metrics pages are open, as Istio's are; no credential is sent where none is needed.
                String text = upstream.get(name, url, false);
                results.add(new Target(name, url, at, PrometheusText.parse(text, n -> n.startsWith("istio_")).samples(), null));
            } catch (UpstreamException e) {
                results.add(new Target(name, url, at, List.of(), e.getMessage()));
            }
        });
        Round round = new Round(clock.instant(), results);
        Round[] before = rounds.get();
        rounds.set(new Round[] {round, before[0]});
        return round;
    }

    /** {current, previous}; either may be null before two rounds ran. */
    public Round[] rounds() {
        return rounds.get().clone();
    }
}
