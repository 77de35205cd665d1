package io.ambit.admin.upstream;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Where admin-ui reads the mesh from ({@code ambit.admin.*}). Every upstream read carries the
 * viewer credential of {@code ambit.security.viewer} (a file or the environment, never argv); a
 * write carries the caller's own admin token, so admin-ui never holds more than it is shown.
 *
 * @param xdsUrl        the xds-server's HTTP API (store, debug views)
 * @param ztunnels      each node's ztunnel: its admin page ({@code /config_dump}, loopback only) and metrics
 * @param scrapeTargets further Prometheus endpoints to scrape for the traffic graph, besides the waypoint
 *                      pods found in the store each round
 * @param podMetricsHost where a discovered pod's metrics port is reached: empty, at the pod's IP
 *                      (Kubernetes, as Prometheus does); local mode's lab runs every waypoint process on
 *                      this machine, its metrics port on loopback ({@code 127.0.0.1})
 * @param refresh       how often the mesh is read and the metrics scraped; rates are over this window
 * @param timeout       each upstream request's limit
 */
@Validated
@ConfigurationProperties("ambit.admin")
public record AdminProperties(
        @DefaultValue("http://127.0.0.1:15011") URI xdsUrl,
        @DefaultValue List<Ztunnel> ztunnels,
        @DefaultValue List<ScrapeTarget> scrapeTargets,
        @DefaultValue("") String podMetricsHost,
        @DefaultValue("2s") Duration refresh,
        @DefaultValue("3s") Duration timeout) {

    public AdminProperties {
        ztunnels = List.copyOf(ztunnels);
        scrapeTargets = List.copyOf(scrapeTargets);
        podMetricsHost = podMetricsHost == null ? "" : podMetricsHost.strip();
        if (refresh.isNegative() || refresh.isZero()) {
            throw new IllegalArgumentException("ambit.admin.refresh must be positive: " + refresh);
        }
    }

    /**
     * @param node       the node's name (node-a)
     * @param adminUrl   its admin page base ({@code http://127.0.0.1:15000})
     * @param metricsUrl its Prometheus page ({@code http://127.0.0.1:15020/actuator/prometheus})
     */
    public record Ztunnel(String node, URI adminUrl, URI metricsUrl) {
    }

    /** @param name what the dashboard calls it ({@code waypoint}) */
    public record ScrapeTarget(String name, URI url) {
    }
}
