package io.ambit.ztunnel.proxy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ambit.hbone.Authorizer;
import io.ambit.hbone.ConnectRequest;
import io.ambit.hbone.Relay;
import io.ambit.hbone.TunnelObserver;
import io.ambit.identity.SpiffeId;
import io.ambit.ztunnel.policy.Connection;
import io.ambit.authz.Decision;
import io.ambit.ztunnel.state.Workload;
import io.ambit.ztunnel.state.StateSnapshot;
import io.ambit.ztunnel.telemetry.ConnectionLabels.Reporter;
import io.ambit.ztunnel.telemetry.ConnectionTelemetry;
import io.ambit.ztunnel.telemetry.Peer;
import io.ambit.ztunnel.telemetry.ResponseFlags;

/**
 * The policy and telemetry side of a pod's HBONE listener: each CONNECT is authorized with the
 * client's proven SPIFFE ID (L4 policy of the destination pod); each tunnel is reported as the
 * destination's ztunnel does and registered so a later policy change can close it; each refusal
 * is counted with ztunnel's {@code response_flags}: {@code DENY} for policy, {@code CONNECT} when the
 * application did not accept, {@code TLS_FAILURE} for a failed handshake, {@code H2_HANDSHAKE_FAILURE}
 * for a protocol that is not (or breaks) HTTP/2, and Envoy's {@code DPE} (downstream protocol error)
 * for a malformed or misdirected CONNECT. The destination service is the one this pod serves the
 * target port for ({@link InboundService}), as ztunnel guesses it.
 */
final class InboundHbone implements Authorizer, TunnelObserver {

    private static final Logger log = LoggerFactory.getLogger(InboundHbone.class);

    private final ProxyContext context;
    private final Workload pod;

    InboundHbone(ProxyContext context, Workload pod) {
        this.context = context;
        this.pod = pod;
    }

    @Override
    public boolean allows(ConnectRequest request) {
        StateSnapshot snapshot = context.state().snapshot();
        Decision decision = context.authorizer().authorize(connection(request, snapshot), snapshot);
        if (!decision.allowed()) {
            log.debug("{} -> {}: {}", request.client(), request.target(), decision.describe());
        }
        return decision.allowed();
    }

    private Connection connection(ConnectRequest request, StateSnapshot snapshot) {
        // The HBONE connection leaves from the source pod's namespace, so its peer address is the source pod's.
        return new Connection(Optional.of(request.client().toString()), request.peer().getAddress(),
                request.target().getAddress(), request.target().getPort(), ProxyContext.current(pod, snapshot));
    }

    @Override
    public void opened(ConnectRequest request, Relay relay) {
        ConnectionTelemetry.Tracked tracked = track(request.peer(), Optional.of(request.client()), request.target(),
                request.forwarded());
        // The relay's first side is the application: what came from the stream came from the source.
        tracked.follow(() -> {
            var p = relay.progress();
            return new ConnectionTelemetry.Bytes(p.fromSecond(), p.fromFirst());
        });
        AtomicBoolean revoked = new AtomicBoolean();
        OpenConnections.Entry entry = context.openConnections().track(connection(request, context.state().snapshot()), reason -> {
            revoked.set(true);
            relay.terminate(reason);
        });
        // The relay's first side is the application's connection: what it sent went back to the source.
        relay.done().thenAccept(result -> {
            entry.close();
            tracked.finish(result.fromSecond(), result.fromFirst(), revoked.get() ? ResponseFlags.DENY : ResponseFlags.NONE,
                    result.error());
        });
    }

    @Override
    public void refused(InetSocketAddress peer, Optional<SpiffeId> client, Optional<ConnectRequest> request,
            Refusal refusal, String reason) {
        InetSocketAddress target = request.map(ConnectRequest::target)
                .orElseGet(() -> new InetSocketAddress(pod.addresses().getFirst(), context.settings().hbonePort()));
        String flags = switch (refusal) {
            case DENIED -> ResponseFlags.DENY;
            case UPSTREAM_UNREACHABLE -> ResponseFlags.CONNECT;
            case HANDSHAKE -> ResponseFlags.TLS_FAILURE;
            case PROTOCOL -> ResponseFlags.H2_HANDSHAKE_FAILURE;
            case BAD_REQUEST -> ResponseFlags.DOWNSTREAM_PROTOCOL_ERROR;
        };
        track(peer, client, target, request.flatMap(ConnectRequest::forwarded)).fail(flags, reason);
    }

    private ConnectionTelemetry.Tracked track(InetSocketAddress peer, Optional<SpiffeId> client, InetSocketAddress target,
            Optional<String> forwarded) {
        InetAddress sourceIp = peer.getAddress();
        StateSnapshot snapshot = context.state().snapshot();
        Peer source = new Peer(snapshot.workloadAt(sourceIp).map(Workload::proto), client.map(SpiffeId::toString));
        return context.telemetry().open(Reporter.DESTINATION, peer, source, target, Optional.empty(),
                InboundService.guess(snapshot, pod, target.getPort(), forwarded), Peer.of(pod.proto()), client.isPresent());
    }
}
