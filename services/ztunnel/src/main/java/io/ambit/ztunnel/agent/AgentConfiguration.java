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

    @Bean(destroyMethod = "close")
    WorkloadCertificates workloadCertificates(ZtunnelProperties properties, MeterRegistry meters) {
        var issuer = NodeAgent.issuer(properties);
        WorkloadCertificates certificates = new WorkloadCertificates(issuer::forIdentity, Clock.systemUTC());
        Gauge.builder("ambit_ztunnel_served_identities", certificates, c -> c.served().size())
                .description("identities whose certificates this ztunnel holds").register(meters);
        return certificates;
    }

    @Bean
    NodeAgent nodeAgent(ZtunnelProperties properties, XdsNode xdsNode, io.ambit.service.MeshProperties mesh, StateStore state,
            WorkloadCertificates certificates) {
        return new NodeAgent(properties, xdsNode, mesh, state, certificates);
    }
}
