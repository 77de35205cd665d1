package io.ambit.ztunnel.proxy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.IntUnaryOperator;

import io.ambit.proto.workload.GatewayAddress;
import io.ambit.proto.workload.LoadBalancing;
import io.ambit.proto.workload.WorkloadStatus;
import io.ambit.ztunnel.state.Endpoint;
import io.ambit.ztunnel.state.PortMapping;
import io.ambit.ztunnel.state.Service;
import io.ambit.ztunnel.state.StateSnapshot;
import io.ambit.ztunnel.state.Workload;

/**
 * Decides where an outbound connection goes, from ztunnel's state alone (Istio ztunnel's
 * {@code build_request} in {@code src/proxy/outbound.rs}):
 *
 * <ol>
 *   <li>A service VIP and port: through the service's waypoint if it has one (authority = the
 *       original {@code VIP:port}); else one of its endpoints, chosen by the service's
 *       load-balancing settings (healthy only unless {@code ALLOW_ALL}; locality scopes,
 *       {@code STRICT} or {@code FAILOVER}), at the endpoint's target port.</li>
 *   <li>A workload IP: through the workload's waypoint if it has one, else straight to it.</li>
 *   <li>Anything else: passthrough to the original destination.</li>
 * </ol>
 * An enrolled destination (tunnel protocol HBONE) is reached over HBONE at {@code ip:hbonePort};
 * one that is not gets plain TCP. The source never goes through its own waypoint (a waypoint's
 * own outbound traffic would loop).
 */
public final class OutboundRouter {

    private final int hbonePort;
    private final IntUnaryOperator random;

    /**
     * @param hbonePort the destination ztunnels' HBONE port (15008)
     * @param random    picks an index below its argument (the endpoint choice); tests pass a fixed one
     */
    public OutboundRouter(int hbonePort, IntUnaryOperator random) {
        this.hbonePort = hbonePort;
        this.random = random;
    }

    public static OutboundRouter withRandomChoice(int hbonePort) {
        return new OutboundRouter(hbonePort, bound -> java.util.concurrent.ThreadLocalRandom.current().nextInt(bound));
    }

    public Route route(StateSnapshot state, Workload source, InetSocketAddress destination) {
        InetAddress ip = destination.getAddress();
        int port = destination.getPort();
        Optional<Service> service = state.serviceAt(ip, port);
        if (service.isPresent()) {
            return toService(state, source, service.get(), destination);
        }
        Optional<Workload> workload = state.workloadAt(ip);
        if (workload.isEmpty()) {
            return new Route.Passthrough(destination, Optional.empty(), Optional.empty());
        }
        Workload target = workload.get();
        if (target.waypoint().isPresent() && !isWaypoint(source, target.waypoint().get(), state)) {
            return viaWaypoint(state, target.waypoint().get(), destination, Optional.empty());
        }
        return direct(target, ip, port, Optional.empty());
    }

    private Route toService(StateSnapshot state, Workload source, Service service, InetSocketAddress vip) {
        Optional<Service> named = Optional.of(service);
        if (service.waypoint().isPresent() && !isWaypoint(source, service.waypoint().get(), state)) {
            return viaWaypoint(state, service.waypoint().get(), vip, named);
        }
        int servicePort = vip.getPort();
        int serviceTarget = service.ports().stream().filter(p -> p.servicePort() == servicePort)
                .mapToInt(PortMapping::targetPort).findFirst().orElse(0);
        List<Endpoint> candidates = eligible(state.endpoints(service.key()), service, source);
        if (candidates.isEmpty()) {
            return new Route.Unreachable("service " + service.hostname() + " has no healthy endpoint", named);
        }
        Endpoint chosen = candidates.get(random.applyAsInt(candidates.size()));
        int targetPort = chosen.ports().stream().filter(p -> p.servicePort() == servicePort)
                .mapToInt(PortMapping::targetPort).filter(p -> p != 0).findFirst()
                .orElse(serviceTarget != 0 ? serviceTarget : servicePort);
        Optional<InetAddress> address = chosen.workload().addresses().stream().findFirst();
        if (address.isEmpty()) {
            return new Route.Unreachable("endpoint " + chosen.workload().uid() + " has no address", named);
        }
        return direct(chosen.workload(), address.get(), targetPort, named);
    }

    private Route direct(Workload target, InetAddress ip, int port, Optional<Service> service) {
        InetSocketAddress upstream = new InetSocketAddress(ip, port);
        if (!target.hbone()) {
            return new Route.Passthrough(upstream, Optional.of(target), service);
        }
        return new Route.Hbone(new InetSocketAddress(ip, hbonePort), authority(upstream), target.identity(), target,
                service, false);
    }

    private Route viaWaypoint(StateSnapshot state, GatewayAddress gateway, InetSocketAddress original,
            Optional<Service> service) {
        Optional<Workload> waypoint = waypointWorkload(state, gateway);
        if (waypoint.isEmpty()) {
            return new Route.Unreachable("waypoint " + describe(gateway) + " has no workload in ztunnel's state", service);
        }
        Workload w = waypoint.get();
        InetAddress ip = w.addresses().getFirst();
        int port = gateway.getHboneMtlsPort() != 0 ? gateway.getHboneMtlsPort() : hbonePort;
        return new Route.Hbone(new InetSocketAddress(ip, port), authority(original), w.identity(), w, service, true);
    }

    /** A waypoint named by address is the workload there; by host name, a healthy endpoint of that service. */
    private Optional<Workload> waypointWorkload(StateSnapshot state, GatewayAddress gateway) {
        if (gateway.hasAddress()) {
            try {
                return state.workloadAt(InetAddress.getByAddress(gateway.getAddress().getAddress().toByteArray()))
                        .or(() -> endpointOfServiceAt(state, gateway));
            } catch (java.net.UnknownHostException e) {
                return Optional.empty(); // validated on arrival: cannot happen
            }
        }
        String key = gateway.getHostname().getNamespace() + "/" + gateway.getHostname().getHostname();
        return state.endpoints(key).stream().map(Endpoint::workload)
                .filter(w -> w.status() == WorkloadStatus.HEALTHY && !w.addresses().isEmpty()).findFirst();
    }

    /** Istio usually names a waypoint by its Service's VIP: the waypoint pods are that service's endpoints. */
    private static Optional<Workload> endpointOfServiceAt(StateSnapshot state, GatewayAddress gateway) {
        try {
            InetAddress vip = InetAddress.getByAddress(gateway.getAddress().getAddress().toByteArray());
            return state.services().stream().filter(s -> s.vips().stream().anyMatch(v -> v.address().equals(vip)))
                    .findFirst()
                    .flatMap(s -> state.endpoints(s.key()).stream().map(Endpoint::workload)
                            .filter(w -> w.status() == WorkloadStatus.HEALTHY && !w.addresses().isEmpty()).findFirst());
        } catch (java.net.UnknownHostException e) {
            return Optional.empty();
        }
    }

    private static boolean isWaypoint(Workload source, GatewayAddress gateway, StateSnapshot state) {
        // A waypoint pod is an endpoint of the waypoint service. Named by host name, the pod's own
        // services say so, even before the Service itself has arrived (else it would tunnel to itself).
        if (gateway.hasHostname()) {
            return source.services().containsKey(
                    gateway.getHostname().getNamespace() + "/" + gateway.getHostname().getHostname());
        }
        byte[] raw = gateway.getAddress().getAddress().toByteArray();
        if (source.addresses().stream().anyMatch(a -> java.util.Arrays.equals(a.getAddress(), raw))) {
            return true;
        }
        return source.services().keySet().stream().anyMatch(key -> state.service(key)
                .map(s -> s.vips().stream().anyMatch(v -> java.util.Arrays.equals(v.address().getAddress(), raw)))
                .orElse(false));
    }

    /**
     * Endpoints that may take the connection: healthy ones (all with {@code ALLOW_ALL}); with
     * routing preferences, {@code STRICT} keeps only those matching the source on every scope,
     * and {@code FAILOVER} (the default mode) keeps those matching on the most leading scopes.
     */
    private static List<Endpoint> eligible(List<Endpoint> endpoints, Service service, Workload source) {
        LoadBalancing lb = service.proto().getLoadBalancing();
        List<Endpoint> usable = new ArrayList<>();
        for (Endpoint e : endpoints) {
            if (lb.getHealthPolicy() == LoadBalancing.HealthPolicy.ALLOW_ALL || e.workload().status() == WorkloadStatus.HEALTHY) {
                usable.add(e);
            }
        }
        List<LoadBalancing.Scope> scopes = lb.getRoutingPreferenceList();
        if (scopes.isEmpty() || usable.isEmpty()) {
            return usable;
        }
        if (lb.getMode() == LoadBalancing.Mode.STRICT) {
            return usable.stream().filter(e -> matching(scopes, source, e.workload()) == scopes.size()).toList();
        }
        int best = usable.stream().mapToInt(e -> matching(scopes, source, e.workload())).max().orElse(0);
        return usable.stream().filter(e -> matching(scopes, source, e.workload()) == best).toList();
    }

    /** How many of the leading scopes the endpoint shares with the source. */
    private static int matching(List<LoadBalancing.Scope> scopes, Workload source, Workload endpoint) {
        var a = source.proto();
        var b = endpoint.proto();
        int count = 0;
        for (LoadBalancing.Scope scope : scopes) {
            boolean same = switch (scope) {
                case REGION -> a.getLocality().getRegion().equals(b.getLocality().getRegion());
                case ZONE -> a.getLocality().getZone().equals(b.getLocality().getZone());
                case SUBZONE -> a.getLocality().getSubzone().equals(b.getLocality().getSubzone());
                case NODE -> a.getNode().equals(b.getNode());
                case CLUSTER -> a.getClusterId().equals(b.getClusterId());
                case NETWORK -> a.getNetwork().equals(b.getNetwork());
                case UNSPECIFIED_SCOPE, UNRECOGNIZED -> true;
            };
            if (!same) {
                break;
            }
            count++;
        }
        return count;
    }

    static String authority(InetSocketAddress address) {
        return io.netty.util.NetUtil.toSocketAddressString(address);
    }

    private static String describe(GatewayAddress gateway) {
        return gateway.hasHostname() ? gateway.getHostname().getNamespace() + "/" + gateway.getHostname().getHostname()
                : gateway.getAddress().toString().strip();
    }
}
