package io.ambit.xds.api;

import io.ambit.xds.XdsProperties;
import io.ambit.xds.state.XdsState;
import io.ambit.xds.status.StatusWriter;
import io.ambit.xds.store.KubernetesConfigStore;
import io.ambit.xds.waypoint.WaypointController;
import io.ambit.xds.waypoint.WaypointDeploymentProperties;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;

/**
 * Kubernetes mode: the store is the API server, through informers; ready once they have listed.
 * Translation results go back as the objects' status; waypoint Gateways get their Deployments.
 * The {@link KubernetesClient} is Spring Cloud Kubernetes' ({@code Fabric8AutoConfiguration}: the
 * pod's service account, or kubeconfig and {@code spring.cloud.kubernetes.client.*}); the profile
 * declares the Kubernetes platform, which is what activates it.
 */
@Configuration(proxyBeanMethods = false)
@Profile("kubernetes")
@org.springframework.boot.context.properties.EnableConfigurationProperties({WaypointDeploymentProperties.class,
        io.ambit.xds.identity.NodeTokenProperties.class})
public class KubernetesStoreConfiguration {

    @Bean(destroyMethod = "close")
    KubernetesConfigStore kubernetesConfigStore(KubernetesClient client) {
        return new KubernetesConfigStore(client).start();
    }

    /**
     * Bearer ServiceAccount tokens on the ADS port, for node agents that present no client
     * certificate (Istio's ztunnel), checked with TokenReview.
     */
    @Bean
    io.ambit.xds.ads.BearerAuthenticator bearerAuthenticator(KubernetesClient client, XdsProperties xds,
            io.ambit.xds.identity.NodeTokenProperties tokens) {
        return new io.ambit.xds.identity.TokenReviewBearerAuthenticator(client, xds.trustDomain(), tokens.audience(), tokens.accounts());
    }

    /** istiod's deployment controller for waypoints: a Deployment and Service per waypoint Gateway. */
    @Bean(destroyMethod = "close")
    WaypointController waypointController(KubernetesClient client, XdsState state, XdsProperties xds,
            WaypointDeploymentProperties settings) {
        WaypointController controller = new WaypointController(client, settings, xds.trustDomain()).start();
        state.addTranslationHook(controller);
        return controller;
    }

    @Bean(destroyMethod = "close")
    StatusWriter statusWriter(KubernetesClient client, XdsState state) {
        StatusWriter writer = new StatusWriter(client);
        state.addTranslationHook(writer);
        return writer;
    }
}
