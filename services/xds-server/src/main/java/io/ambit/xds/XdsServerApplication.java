package io.ambit.xds;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** Ambit's control plane: config store, translation, xDS to ztunnels and waypoints (issue 4 fills it). */
@SpringBootApplication
public class XdsServerApplication {

    public static void main(String[] args) {
        SpringApplication.run(XdsServerApplication.class, args);
    }
}
