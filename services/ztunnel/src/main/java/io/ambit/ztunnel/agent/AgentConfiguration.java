package io.ambit.ztunnel.agent;

import java.time.Clock;

import io.ambit.ztunnel.ZtunnelProperties;
import io.ambit.ztunnel.identity.WorkloadCertificates;
import io.ambit.ztunnel.state.StateStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The node agent and what it holds: xDS state and the pods' certificates. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({ZtunnelProperties.class, XdsNode.class})
public class AgentConfiguration {

    @Bean
    StateStore stateStore(MeterRegistry meters) {
        StateStore store = new StateStore();
        Gauge.builder("ambit_ztunnel_workloads", store, s -> s.snapshot().workloads().size())
                .description("workloads in ztunnel's xDS state").register(meters);
        return store;
    }

    /**
     * The CA and the xDS server: in Kubernetes mode found through Spring Cloud's DiscoveryClient (the
     * endpoints of the Services their addresses name, ports {@code grpc-ca} and {@code grpc-xds}), the
     * addresses themselves as the fallback; in local mode the addresses as they are.
     */
    @Bean
    ControlPlane controlPlane(ZtunnelProperties properties, io.ambit.service.discovery.ControlPlaneDiscovery discovery) {
        return new ControlPlane(target(discovery, properties.caAddress(), "grpc-ca"), target(discovery, properties.xdsAddress(), "grpc-xds"));
    }

    record ControlPlane(io.ambit.caclient.ControlPlaneTarget ca, io.ambit.caclient.ControlPlaneTarget xds) {
    }

    static io.ambit.caclient.ControlPlaneTarget target(io.ambit.service.discovery.ControlPlaneDiscovery discovery, String address,
            String portName) {
        return io.ambit.caclient.ControlPlaneTarget.of(address, portName, discovery.lookup(address, portName));
    }

    @Bean(destroyMethod = "close")
    WorkloadCertificates workloadCertificates(ZtunnelProperties properties, ControlPlane controlPlane, MeterRegistry meters) {
        var issuer = NodeAgent.issuer(properties, controlPlane.ca());
        WorkloadCertificates certificates = new WorkloadCertificates(issuer::forIdentity, Clock.systemUTC());
        Gauge.builder("ambit_ztunnel_served_identities", certificates, c -> c.served().size())
                .description("identities whose certificates this ztunnel holds").register(meters);
        return certificates;
    }

    @Bean
    NodeAgent nodeAgent(ZtunnelProperties properties, XdsNode xdsNode, io.ambit.service.MeshProperties mesh, ControlPlane controlPlane,
            StateStore state, WorkloadCertificates certificates) {
        return new NodeAgent(properties, xdsNode, mesh, controlPlane.ca(), controlPlane.xds(), state, certificates);
    }
}
