package io.ambit.ztunnel.proxy;

import java.util.Objects;

import io.ambit.hbone.HboneSettings;
import io.ambit.hbone.Transport;
import io.ambit.ztunnel.policy.L4Authorizer;
import io.ambit.ztunnel.state.StateSnapshot;
import io.ambit.ztunnel.state.StateStore;
import io.ambit.ztunnel.telemetry.ConnectionTelemetry;

/**
 * What every pod's proxy on a node shares: the event loops, ztunnel's state and the decisions
 * made on it, the pods' certificates, telemetry and the connections open under policy.
 */
public record ProxyContext(Transport transport, StateStore state, L4Authorizer authorizer, OutboundRouter router,
                           PodCertificates certificates, ConnectionTelemetry telemetry, OpenConnections openConnections,
                           ProxyProperties settings, HboneSettings hboneClient,
                           HboneSettings hboneServer) {

    public ProxyContext {
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(authorizer, "authorizer");
        Objects.requireNonNull(router, "router");
        Objects.requireNonNull(certificates, "certificates");
        Objects.requireNonNull(telemetry, "telemetry");
        Objects.requireNonNull(openConnections, "openConnections");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(hboneClient, "hboneClient");
        Objects.requireNonNull(hboneServer, "hboneServer");
    }

    /**
     * The pod as the state says now: a proxy keeps the workload it was started for, but what
     * policy needs (the selector policies it is bound to, its status) can change while it runs.
     */
    public static io.ambit.ztunnel.state.Workload current(io.ambit.ztunnel.state.Workload pod, StateSnapshot snapshot) {
        return snapshot.workload(pod.uid()).orElse(pod);
    }

    /** The same context with the SOCKS5 listener on: how applications reach a ztunnel that cannot capture them. */
    public ProxyContext withSocks() {
        ProxyProperties s = settings;
        return new ProxyContext(transport, state, authorizer, router, certificates, telemetry, openConnections,
                s.withPorts(s.outboundPort(), s.inboundPort(), s.hbonePort(), s.socksPort(), true), hboneClient, hboneServer);
    }

    /** Wires the parts from a state store, certificates and telemetry, with Istio's HBONE settings. */
    public static ProxyContext create(Transport transport, StateStore state, PodCertificates certificates,
            ConnectionTelemetry telemetry, ProxyProperties settings) {
        L4Authorizer authorizer = new L4Authorizer();
        OpenConnections open = new OpenConnections(authorizer, settings.closeDeniedOnPolicyChange());
        state.addListener(open);
        HboneSettings client = HboneSettings.clientDefaults().withConnectTimeout(settings.connectTimeout())
                .withIdleTimeout(settings.idleTimeout());
        HboneSettings server = HboneSettings.serverDefaults().withConnectTimeout(settings.connectTimeout())
                .withIdleTimeout(settings.idleTimeout());
        return new ProxyContext(transport, state, authorizer, OutboundRouter.withRandomChoice(settings.hbonePort()),
                certificates, telemetry, open, settings, client, server);
    }
}
