package io.ambit.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The PromQL reading of {@link GrafanaDashboard}: what counts as a metric, and what is refused. */
class GrafanaDashboardTest {

    @Test
    void findsMetricsNotFunctionsLabelsOrKeywords() {
        assertThat(GrafanaDashboard.metricsOf("histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket"
                + "{reporter=\"waypoint\", destination_service=~\"$service\"}[5m])))"))
                .containsExactly("istio_request_duration_milliseconds_bucket");
        assertThat(GrafanaDashboard.metricsOf("sum(rate(a_total{x!~'5..'}[1m])) / on (pod) group_left (node) b or vector(0)"))
                .containsExactly("a_total", "b");
    }

    @Test
    void aMetricNotInTheScrapeIsMissing() throws Exception {
        GrafanaDashboard dashboard = GrafanaDashboard.load("ambit-ztunnel.json");
        String scrape = "# TYPE istio_tcp_sockets_open gauge\nistio_tcp_sockets_open{reporter=\"source\"} 0.0\n";
        assertThat(dashboard.missingFrom(scrape)).contains("istio_tcp_connections_opened_total")
                .doesNotContain("istio_tcp_sockets_open");
    }

    @Test
    void aServiceChecksOnlyItsShareOfATwoServiceDashboard() throws Exception {
        GrafanaDashboard dashboard = GrafanaDashboard.load("control-plane.json");
        String caScrape = "citadel_server_csr_count{app=\"ca-service\"} 1.0\n";
        assertThat(dashboard.missingFrom(caScrape, metric -> metric.startsWith("citadel_")))
                .isNotEmpty().allMatch(metric -> metric.startsWith("citadel_")).doesNotContain("citadel_server_csr_count");
        assertThat(dashboard.missingFrom("", metric -> false)).isEmpty();
    }

    @Test
    void anIstioSumKeepsIstiosNameWithoutTotal() {
        var registry = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        var sum = io.ambit.service.metrics.IstioSum.register(registry, "pilot_xds_pushes", "pushes",
                io.micrometer.core.instrument.Tags.of("type", "address"));
        sum.increment();
        sum.increment();
        io.ambit.service.metrics.IstioSum.register(registry, "pilot_xds_pushes", "again",
                io.micrometer.core.instrument.Tags.of("type", "address")).increment();
        assertThat(registry.scrape()).contains("pilot_xds_pushes{type=\"address\"} 3.0").doesNotContain("pilot_xds_pushes_total");
    }

    @Test
    void parsingAConfigMapsTextIsStrict() {
        assertThat(GrafanaDashboard.parse("ok.json", "{\"panels\":[{\"targets\":[{\"expr\":\"sum(pilot_xds)\"}]}]}").metrics())
                .containsExactly("pilot_xds");
        assertThatThrownBy(() -> GrafanaDashboard.parse("list.json", "[]")).hasMessageContaining("no panels");
        assertThatThrownBy(() -> GrafanaDashboard.parse("empty.json", "{\"panels\":[]}")).hasMessageContaining("no panels");
        assertThatThrownBy(() -> GrafanaDashboard.parse("broken.json", "{\"panels\":[{\"targets\":[{\"expr\":\"sum(a\"}]}]}"))
                .hasMessageContaining("unbalanced");
        assertThatThrownBy(() -> GrafanaDashboard.parse("truncated.json", "{\"panels\":[")).isInstanceOf(RuntimeException.class);
    }

    @Test
    void refusesMalformedExpressions() {
        assertThatThrownBy(() -> GrafanaDashboard.metricsOf("sum(rate(a_total[5m])")).hasMessageContaining("unbalanced");
        assertThatThrownBy(() -> GrafanaDashboard.metricsOf("a_total{x=\"y}")).hasMessageContaining("unterminated");
        assertThatThrownBy(() -> GrafanaDashboard.metricsOf("a_total{x y}")).hasMessageContaining("label matcher");
        assertThatThrownBy(() -> GrafanaDashboard.metricsOf("rate(a_total[five])")).hasMessageContaining("range");
        assertThatThrownBy(() -> GrafanaDashboard.metricsOf("sum by le (a)")).hasMessageContaining("label list");
        assertThatThrownBy(() -> GrafanaDashboard.metricsOf("vector(1)")).hasMessageContaining("no metric");
        assertThatThrownBy(() -> GrafanaDashboard.metricsOf("a ; b")).hasMessageContaining("unexpected");
    }
}
