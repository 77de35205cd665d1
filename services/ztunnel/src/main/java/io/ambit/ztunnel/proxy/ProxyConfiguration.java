package io.ambit.ztunnel.proxy;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.ambit.hbone.Transport;
import io.ambit.ztunnel.agent.NodeAgent;
import io.ambit.ztunnel.identity.WorkloadCertificates;
import io.ambit.ztunnel.state.StateStore;
import io.ambit.ztunnel.telemetry.ConnectionTelemetry;
import io.ambit.ztunnel.telemetry.TcpMetrics;
import io.micrometer.core.instrument.MeterRegistry;

/** The data plane's shared parts: event loops (epoll), pods' certificates, telemetry, the proxy context. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ProxyProperties.class)
public class ProxyConfiguration {

    static final Duration BYTES_REPORT_PERIOD = Duration.ofSeconds(5);

    @Bean(destroyMethod = "close")
    Transport proxyTransport() {
        return Transport.create(Runtime.getRuntime().availableProcessors());
    }

    @Bean
    ProxyContext proxyContext(Transport transport, StateStore state, WorkloadCertificates certificates, NodeAgent agent,
            MeterRegistry meters, ProxyProperties settings) {
        ConnectionTelemetry telemetry = new ConnectionTelemetry(new TcpMetrics(meters), Clock.systemUTC());
        // Bytes of open connections reach the counters within this period (scrapes come every 15 s or so).
        transport.group().next().scheduleAtFixedRate(telemetry::reportProgress, BYTES_REPORT_PERIOD.toMillis(),
                BYTES_REPORT_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
        return ProxyContext.create(transport, state, new PodCertificates(certificates, agent::trustBundle), telemetry,
                settings);
    }
}
