package io.ambit.service.discovery;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.core.env.Profiles;

/**
 * {@link ControlPlaneDiscovery} in a service that has Spring Cloud's discovery on its class path
 * (ztunnel, waypoint, admin-ui): in the {@code kubernetes} profile, backed by the {@link DiscoveryClient}
 * Spring Cloud Kubernetes configures; in any other profile (local mode) without one, whatever
 * {@code DiscoveryClient} Spring Cloud Commons may offer there, so local mode resolves as before.
 */
@AutoConfiguration(afterName = "org.springframework.cloud.client.discovery.composite.CompositeDiscoveryClientAutoConfiguration")
@ConditionalOnClass(DiscoveryClient.class)
public class ControlPlaneDiscoveryAutoConfiguration {

    @Bean
    ControlPlaneDiscovery controlPlaneDiscovery(ObjectProvider<DiscoveryClient> discovery, Environment environment) {
        if (!environment.acceptsProfiles(Profiles.of("kubernetes"))) {
            return ControlPlaneDiscovery.none();
        }
        return new ControlPlaneDiscovery(discovery.getIfAvailable());
    }
}
