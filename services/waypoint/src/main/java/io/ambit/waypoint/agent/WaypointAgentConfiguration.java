package io.ambit.waypoint.agent;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.ambit.waypoint.WaypointProperties;
import io.ambit.waypoint.config.WaypointConfigStore;
import io.micrometer.core.instrument.MeterRegistry;

/** The waypoint's data path and control-plane sessions, when {@code ambit.waypoint.enabled} is true. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(prefix = "ambit.waypoint", name = "enabled", havingValue = "true")
public class WaypointAgentConfiguration {

    @Bean
    WaypointConfigStore waypointConfigStore() {
        return new WaypointConfigStore();
    }

    @Bean
    WaypointAgent waypointAgent(WaypointProperties properties, io.ambit.service.MeshProperties mesh,
            io.ambit.service.discovery.ControlPlaneDiscovery discovery, WaypointConfigStore store, MeterRegistry meters,
            io.ambit.waypoint.tracing.TracingProperties tracing) {
        return new WaypointAgent(properties, mesh, discovery, store, meters, tracing);
    }

    @Bean
    WaypointReadiness waypointReadiness(WaypointAgent agent, WaypointConfigStore store, ApplicationContext context) {
        return new WaypointReadiness(agent, store, context);
    }
}
