package io.ambit.service;

import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Defaults shared by every Ambit service, added as the lowest-precedence property source so any
 * {@code application.yaml}, environment variable or command-line flag overrides them.
 *
 * <p>It runs before Boot's config-data processing so that {@code spring.profiles.default=local}
 * takes effect: local mode is what a new user gets, {@code kubernetes} must be asked for.
 */
public final class MeshServiceDefaults implements EnvironmentPostProcessor, Ordered {

    public static final String PROPERTY_SOURCE_NAME = "ambitServiceDefaults";

    static final Map<String, Object> DEFAULTS = Map.ofEntries(
            Map.entry("spring.profiles.default", "local"),
            // Drain in-flight requests on SIGTERM before the context closes.
            Map.entry("server.shutdown", "graceful"),
            Map.entry("spring.lifecycle.timeout-per-shutdown-phase", "20s"),
            Map.entry("management.endpoints.web.exposure.include", "health,info,prometheus"),
            Map.entry("management.endpoint.health.probes.enabled", "true"),
            Map.entry("management.endpoint.health.show-components", "always"),
            Map.entry("management.prometheus.metrics.export.enabled", "true"),
            Map.entry("spring.main.banner-mode", "off"),
            // Istio's variable, as istiod and ztunnel read it; ambit.mesh.cluster-id (MeshProperties) is the one home.
            Map.entry("ambit.mesh.cluster-id", "${CLUSTER_ID:" + MeshProperties.DEFAULT_CLUSTER_ID + "}"));

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        environment.getPropertySources().addLast(new MapPropertySource(PROPERTY_SOURCE_NAME, DEFAULTS));
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
