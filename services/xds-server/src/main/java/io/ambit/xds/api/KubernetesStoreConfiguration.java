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
        io.ambit.xds.identity.NodeTokenProperties.class, io.ambit.xds.leader.LeaderElectionProperties.class})
public class KubernetesStoreConfiguration {

    @Bean(destroyMethod = "close")
    KubernetesConfigStore kubernetesConfigStore(KubernetesClient client, io.micrometer.core.instrument.MeterRegistry meters) {
        return new KubernetesConfigStore(client, meters).start();
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

    /**
     * The writers (status, waypoint controller) run on one replica at a time: the holder of a Lease.
     * Identity: the pod's name ({@code HOSTNAME}, as Kubernetes sets it), made unique per process.
     */
    @Bean(destroyMethod = "close")
    io.ambit.xds.leader.WriterLease writerLease(KubernetesClient client, io.ambit.xds.leader.LeaderElectionProperties settings,
            @org.springframework.beans.factory.annotation.Value("${HOSTNAME:xds-server}") String pod) {
        return new io.ambit.xds.leader.WriterLease(client, settings, pod + "_" + java.util.UUID.randomUUID()).start();
    }

    /** istiod's deployment controller for waypoints: a Deployment and Service per waypoint Gateway. */
    @Bean(destroyMethod = "close")
    WaypointController waypointController(KubernetesClient client, XdsState state, XdsProperties xds,
            WaypointDeploymentProperties settings, io.ambit.xds.leader.WriterLease lease) {
        WaypointController controller = new WaypointController(client, settings, xds.trustDomain()).start();
        state.addTranslationHook(lease.gate(controller));
        return controller;
    }

    @Bean(destroyMethod = "close")
    StatusWriter statusWriter(KubernetesClient client, XdsState state, io.ambit.xds.leader.WriterLease lease) {
        StatusWriter writer = new StatusWriter(client);
        state.addTranslationHook(lease.gate(writer));
        return writer;
    }
}
