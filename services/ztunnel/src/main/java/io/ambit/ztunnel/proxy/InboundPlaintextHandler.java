package io.ambit.ztunnel.proxy;

import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ambit.hbone.TcpUpstreamConnector;
import io.ambit.hbone.TcpRelay;
import io.ambit.ztunnel.policy.Connection;
import io.ambit.authz.Decision;
import io.ambit.ztunnel.state.StateSnapshot;
import io.ambit.ztunnel.state.Workload;
import io.ambit.ztunnel.telemetry.ConnectionLabels.Reporter;
import io.ambit.ztunnel.telemetry.ConnectionTelemetry;
import io.ambit.ztunnel.telemetry.Peer;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.util.concurrent.Future;

/**
 * Plain text that arrived at the pod from outside the mesh, redirected to 15006: authorized with
 * no peer identity (so PeerAuthentication STRICT, which Istio turns into a policy denying
 * connections without one, refuses it), then connected to the application from inside the pod,
 * with ztunnel's mark so the pod's rules do not redirect it again.
 */
final class InboundPlaintextHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(InboundPlaintextHandler.class);

    private final ProxyContext context;
    private final Workload pod;
    private final PodSockets sockets;
    private final TcpUpstreamConnector upstream;

    InboundPlaintextHandler(ProxyContext context, Workload pod, PodSockets sockets, TcpUpstreamConnector upstream) {
        this.context = context;
        this.pod = pod;
        this.sockets = sockets;
        this.upstream = upstream;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.pipeline().remove(this);
        Channel downstream = ctx.channel();
        InetSocketAddress source = (InetSocketAddress) downstream.remoteAddress();
        InetSocketAddress destination;
        try {
            destination = sockets.originalDestination(downstream);
        } catch (PodSockets.CaptureException e) {
            log.warn("closing inbound connection {}: {}", downstream, e.getMessage());
            Outbound.reset(downstream);
            return;
        }
        StateSnapshot seen = context.state().snapshot();
        Peer sourcePeer = new Peer(seen.workloadAt(source.getAddress()).map(Workload::proto), Optional.empty());
        ConnectionTelemetry.Tracked tracked = context.telemetry().open(Reporter.DESTINATION, source, sourcePeer, destination,
                Optional.empty(), InboundService.guess(seen, pod, destination.getPort()), Peer.of(pod.proto()), false);
        if (!pod.addresses().contains(destination.getAddress())) {
            tracked.fail("DPE", destination + " is not an address of " + pod.uid());
            Outbound.reset(downstream);
            return;
        }
        StateSnapshot snapshot = context.state().snapshot();
        Connection connection = new Connection(Optional.empty(), source.getAddress(), destination.getAddress(),
                destination.getPort(), ProxyContext.current(pod, snapshot));
        Decision decision = context.authorizer().authorize(connection, snapshot);
        if (!decision.allowed()) {
            tracked.fail("DENY", decision.describe());
            Outbound.reset(downstream);
            return;
        }
        Future<Channel> connect = upstream.connect(downstream.eventLoop(), destination);
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                tracked.fail("CONNECT", "application at " + destination + " did not accept: " + f.cause().getMessage());
                Outbound.reset(downstream);
                return;
            }
            if (!downstream.isActive()) {
                connect.getNow().close();
                tracked.fail("DC", "client closed before the application was connected");
                return;
            }
            TcpRelay relay = TcpRelay.bind(downstream, connect.getNow(), context.settings().idleTimeout());
            tracked.follow(() -> {
                var p = relay.progress();
                return new ConnectionTelemetry.Bytes(p.fromFirst(), p.fromSecond());
            });
            AtomicBoolean revoked = new AtomicBoolean();
            OpenConnections.Entry entry = context.openConnections().track(connection, reason -> {
                revoked.set(true);
                relay.terminate(reason);
            });
            relay.done().thenAccept(r -> {
                entry.close();
                tracked.finish(r.fromFirst(), r.fromSecond(), revoked.get() ? "DENY" : ConnectionTelemetry.NO_FLAGS, r.error());
            });
        });
    }
}
