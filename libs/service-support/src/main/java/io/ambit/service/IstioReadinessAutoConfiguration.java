package io.ambit.service;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * Istio's readiness path, {@code GET /healthz/ready}, on the service's main port (15021 for
 * ztunnel and waypoint), so manifests and habits written for Istio keep working. It answers from
 * the same readiness state as {@code /actuator/health/readiness}.
 */
@AutoConfiguration
public class IstioReadinessAutoConfiguration {

    public static final String PATH = "/healthz/ready";

    @Bean
    RouterFunction<ServerResponse> istioReadinessRoute(ApplicationAvailability availability) {
        return RouterFunctions.route()
                .GET(PATH, request -> {
                    boolean ready = availability.getReadinessState() == ReadinessState.ACCEPTING_TRAFFIC;
                    return ServerResponse.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
                            .contentType(MediaType.TEXT_PLAIN)
                            .body(Mono.just(ready ? "ready\n" : "not ready\n"), String.class);
                })
                .build();
    }
}
