package io.ambit.waypoint;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * Ambit's L7 waypoint proxy: HBONE in on 15008, HTTP/1.1 routing and L7 authorization from the
 * control plane's Envoy xDS, HBONE out to the chosen endpoint ({@code ambit.waypoint.enabled}).
 * Port 15021 serves /healthz/ready, 15020 the actuator and metrics.
 */
@SpringBootApplication
@org.springframework.boot.context.properties.EnableConfigurationProperties({WaypointProperties.class,
        io.ambit.waypoint.tracing.TracingProperties.class})
public class WaypointApplication {

    public static void main(String[] args) {
        SpringApplication.run(WaypointApplication.class, args);
    }
}
