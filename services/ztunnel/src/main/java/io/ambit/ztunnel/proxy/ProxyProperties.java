package io.ambit.ztunnel.proxy;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The data plane's settings ({@code ambit.ztunnel.proxy.*}); ports are those ztunnel opens in
 * each pod (Istio's, DESIGN §4).
 *
 * @param outboundPort        captured outbound connections (15001)
 * @param inboundPort         captured inbound plain text (15006)
 * @param hbonePort           inbound HBONE in each pod, and the port other ztunnels are dialled on (15008)
 * @param socksPort           SOCKS5 on each pod's loopback (15080), when {@code socks} is on
 * @param socks               open the SOCKS5 listener (off by default, as in Istio)
 * @param connectTimeout      for upstream and HBONE connects
 * @param idleTimeout         a relayed connection with no byte either way for this long is closed (0: never)
 * @param closeDeniedOnPolicyChange close open connections that a changed policy no longer allows
 *                            (Istio keeps them open; Ambit closes them by default)
 * @param capture             capture the pods on this node (needs root: network namespaces and redirect rules)
 * @param drainDeadline       on shutdown, how long open connections get to finish after the listeners
 *                            closed and HBONE clients got GOAWAY (ztunnel's CONNECTION_TERMINATION_DEADLINE, 5 s)
 */
@ConfigurationProperties("ambit.ztunnel.proxy")
public record ProxyProperties(
        @DefaultValue("15001") int outboundPort,
        @DefaultValue("15006") int inboundPort,
        @DefaultValue("15008") int hbonePort,
        @DefaultValue("15080") int socksPort,
        @DefaultValue("false") boolean socks,
        @DefaultValue("5s") Duration connectTimeout,
        @DefaultValue("1h") Duration idleTimeout,
        @DefaultValue("true") boolean closeDeniedOnPolicyChange,
        @DefaultValue("true") boolean capture,
        @DefaultValue("5s") Duration drainDeadline) {

    public static ProxyProperties defaults() {
        return new ProxyProperties(15001, 15006, 15008, 15080, false, Duration.ofSeconds(5), Duration.ofHours(1), true, true,
                Duration.ofSeconds(5));
    }

    public ProxyProperties withDrainDeadline(Duration deadline) {
        return new ProxyProperties(outboundPort, inboundPort, hbonePort, socksPort, socks, connectTimeout, idleTimeout,
                closeDeniedOnPolicyChange, capture, deadline);
    }

    public ProxyProperties withPorts(int outbound, int inbound, int hbone, int socksPort, boolean socks) {
        return new ProxyProperties(outbound, inbound, hbone, socksPort, socks, connectTimeout, idleTimeout,
                closeDeniedOnPolicyChange, capture, drainDeadline);
    }
}
