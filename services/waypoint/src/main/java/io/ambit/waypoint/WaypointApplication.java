package io.ambit.waypoint;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** Ambit's L7 waypoint proxy (a later issue fills it). Port 15021 serves /healthz/ready, 15020 the actuator and metrics. */
@SpringBootApplication
public class WaypointApplication {

    public static void main(String[] args) {
        SpringApplication.run(WaypointApplication.class, args);
    }
}
