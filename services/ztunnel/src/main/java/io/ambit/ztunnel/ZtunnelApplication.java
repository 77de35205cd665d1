package io.ambit.ztunnel;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** Ambit's per-node L4 proxy (issue 5 fills it). Port 15021 serves Istio's /healthz/ready, 15020 the actuator and metrics. */
@SpringBootApplication
public class ZtunnelApplication {

    public static void main(String[] args) {
        SpringApplication.run(ZtunnelApplication.class, args);
    }
}
