package io.ambit.service.metrics;

import java.util.List;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Istio's scrape paths on the management port (15020 for ztunnel and waypoint): {@code GET /metrics}
 * and {@code GET /stats/prometheus} answer the Prometheus text format (0.0.4), the same registry as
 * {@code /actuator/prometheus}, so a Prometheus configured for Istio's proxies
 * ({@code prometheus.io/path: /stats/prometheus}) scrapes Ambit's unchanged. It is a management
 * context configuration: with a separate management port it lives there, not on the service port.
 */
@ManagementContextConfiguration(value = ManagementContextType.ANY, proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass(PrometheusMeterRegistry.class)
public class IstioScrapeConfiguration {

    /** Istio ztunnel's stats server paths ({@code src/metrics/server.rs}). */
    public static final List<String> PATHS = List.of("/metrics", "/stats/prometheus");

    static final MediaType TEXT_FORMAT = MediaType.parseMediaType("text/plain;version=0.0.4;charset=utf-8");

    @Bean
    RouterFunction<ServerResponse> istioScrapeRoutes(ObjectProvider<PrometheusMeterRegistry> registry) {
        RouterFunctions.Builder routes = RouterFunctions.route();
        for (String path : PATHS) {
            routes.GET(path, request -> {
                PrometheusMeterRegistry prometheus = registry.getIfAvailable();
                if (prometheus == null) {
                    return ServerResponse.status(HttpStatus.NOT_FOUND).contentType(MediaType.TEXT_PLAIN)
                            .bodyValue("Prometheus export is disabled (management.prometheus.metrics.export.enabled=false)\n");
                }
                return ServerResponse.ok().contentType(TEXT_FORMAT).bodyValue(prometheus.scrape());
            });
        }
        return routes.build();
    }
}
