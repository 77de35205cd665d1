package io.ambit.service;

import java.util.HashMap;
import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.config.ConfigDataEnvironmentPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.Profiles;

/**
 * In local mode every listener binds to loopback unless told otherwise: several services, two
 * ztunnels and the demo's pods (at {@code 127.244.x.y} when there is no root) share one host, and a
 * wildcard bind of one (say admin-ui on {@code 0.0.0.0:8080}) would take that port from every
 * loopback address the others need. It also keeps a laptop's mesh off the laptop's network.
 * {@code --server.address=0.0.0.0} (or any other address) still wins: these are the lowest-precedence
 * values. In the {@code kubernetes} profile nothing changes: pods must answer on their own IP.
 *
 * <p>Runs after Boot's config-data processing, the first moment the active profiles are known.
 */
public final class LocalModeBindings implements EnvironmentPostProcessor, Ordered {

    public static final String PROPERTY_SOURCE_NAME = "ambitLocalModeBindings";
    static final String LOOPBACK = "127.0.0.1";

    /** Every bind address a service reads: Spring's HTTP port and the gRPC servers of the CA and xDS server. */
    static final Map<String, Object> LOCAL = Map.of(
            "server.address", LOOPBACK,
            "ambit.ca.grpc.address", LOOPBACK,
            "ambit.xds.grpc.address", LOOPBACK);

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (!environment.acceptsProfiles(Profiles.of("local"))) {
            return;
        }
        Map<String, Object> defaults = new HashMap<>(LOCAL);
        // Boot refuses a management address unless management has a port of its own (then it
        // shares the main port's listener, and with it server.address).
        if (managementHasItsOwnPort(environment)) {
            defaults.put("management.server.address", LOOPBACK);
        }
        environment.getPropertySources().addLast(new MapPropertySource(PROPERTY_SOURCE_NAME, defaults));
    }

    /** Boot's own rule (ManagementPortType): a port of its own unless unset or equal to a fixed main port. */
    private static boolean managementHasItsOwnPort(ConfigurableEnvironment environment) {
        Integer management = environment.getProperty("management.server.port", Integer.class);
        Integer server = environment.getProperty("server.port", Integer.class, 8080);
        return management != null && management >= 0 && (management == 0 || !management.equals(server));
    }

    @Override
    public int getOrder() {
        return ConfigDataEnvironmentPostProcessor.ORDER + 1;
    }
}
