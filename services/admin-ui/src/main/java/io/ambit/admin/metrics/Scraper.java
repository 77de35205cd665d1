package io.ambit.admin.metrics;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import io.ambit.admin.mesh.MeshSnapshot;
import io.ambit.admin.upstream.AdminProperties;
import io.ambit.admin.upstream.Upstream;
import io.ambit.admin.upstream.UpstreamException;

/**
 * Scrapes the proxies' Prometheus pages itself, keeping Istio's series only, and the previous round
 * beside the current one so rates are over one interval (what Kiali asks Prometheus for with
 * {@code rate()}). The targets of a round: every ztunnel's metrics port and the configured ones
 * (fixed), and the waypoint pods of the mesh as it is at that round ({@link WaypointTargets}), so
 * waypoints deployed later are scraped and deleted ones drop out.
 */
public final class Scraper {

    /**
     * One target's last answer, or why it gave none.
     *
     * @param waypoint the waypoint Gateway ({@code namespace/name}) whose pod this is, or null (a ztunnel, a fixed target)
     */
    public record Target(String name, URI url, String waypoint, Instant at, List<PrometheusText.Sample> samples, String error) {
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
    private final Supplier<MeshSnapshot> mesh;
    private final String podMetricsHost;
    private final AtomicReference<Round[]> rounds = new AtomicReference<>(new Round[] {null, null});
    /** The waypoints found last; kept while the store cannot be read (a restart of the xds-server loses no graph). */
    private List<WaypointTargets.Discovered> waypoints = List.of();

    /** @param mesh the current mesh (its waypoint pods are scraped too) */
    public Scraper(AdminProperties properties, Upstream upstream, Clock clock, Supplier<MeshSnapshot> mesh) {
        properties.ztunnels().forEach(z -> targets.put("ztunnel " + z.node(), z.metricsUrl()));
        properties.scrapeTargets().forEach(t -> targets.put(t.name(), t.url()));
        this.upstream = upstream;
        this.clock = clock;
        this.mesh = mesh;
        this.podMetricsHost = properties.podMetricsHost();
    }

    /** Scrapes every target once; the round becomes current, the current one previous. */
    public synchronized Round scrape() {
        List<Target> results = new ArrayList<>();
        targets.forEach((name, url) -> results.add(scrape(name, url, null)));
        try {
            waypoints = WaypointTargets.discover(mesh.get(), podMetricsHost);
        } catch (UpstreamException e) {
            // the store is not answering: the waypoints found last are still the best guess
        }
        Set<URI> seen = new HashSet<>(targets.values());
        for (WaypointTargets.Discovered w : waypoints) {
            if (w.url() == null) {
                results.add(new Target(w.name(), null, w.waypoint(), clock.instant(), List.of(), w.problem()));
            } else if (seen.add(w.url())) { // also configured as a fixed target: scraped once
                results.add(scrape(w.name(), w.url(), w.waypoint()));
            }
        }
        Round round = new Round(clock.instant(), results);
        Round[] before = rounds.get();
        rounds.set(new Round[] {round, before[0]});
        return round;
    }

    private Target scrape(String name, URI url, String waypoint) {
        Instant at = clock.instant();
        try {
            // Metrics pages are open, as Istio's are; no credential is sent where none is needed.
            String text = upstream.get(name, url, false);
            return new Target(name, url, waypoint, at, PrometheusText.parse(text, n -> n.startsWith("istio_")).samples(), null);
        } catch (UpstreamException e) {
            return new Target(name, url, waypoint, at, List.of(), e.getMessage());
        }
    }

    /** {current, previous}; either may be null before two rounds ran. */
    public Round[] rounds() {
        return rounds.get().clone();
    }
}
