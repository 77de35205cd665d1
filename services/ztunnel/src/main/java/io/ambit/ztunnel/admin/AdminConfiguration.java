package io.ambit.ztunnel.admin;

import java.time.Clock;
import java.util.List;

import io.ambit.ztunnel.ZtunnelProperties;
import io.ambit.ztunnel.agent.NodeAgent;
import io.ambit.ztunnel.capture.CaptureConfiguration;
import io.ambit.ztunnel.identity.WorkloadCertificates;
import io.ambit.ztunnel.state.StateStore;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The admin endpoint, bound while the context is being built so a taken port stops start-up. */
@Configuration(proxyBeanMethods = false)
public class AdminConfiguration {

    @Bean(initMethod = "start", destroyMethod = "close")
    AdminServer adminServer(ZtunnelProperties properties, StateStore state, WorkloadCertificates certificates,
            CaptureConfiguration.CaptureLifecycle capture, NodeAgent agent) {
        return new AdminServer(properties.adminPort(), new ConfigDump(state, certificates, Clock.systemUTC(), capture::manager,
                () -> {
                    try {
                        return agent.trustBundle().authorities();
                    } catch (IllegalStateException noBundleYet) {
                        return List.of();
                    }
                }));
    }
}
