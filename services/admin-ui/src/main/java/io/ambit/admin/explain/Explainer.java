package io.ambit.admin.explain;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.ambit.admin.mesh.MeshSnapshot;
import io.ambit.admin.mesh.ServiceInfo;
import io.ambit.admin.mesh.StoreObject;
import io.ambit.admin.mesh.WorkloadInfo;
import io.ambit.authz.AuthorizationPolicy;
import io.ambit.authz.Decision;
import io.ambit.authz.L4Policy;
import io.ambit.authz.L4Request;
import io.ambit.authz.rbac.RbacConfigException;
import io.ambit.authz.rbac.RbacContext;
import io.ambit.authz.rbac.RbacEngine;
import io.ambit.authz.rbac.RequestAttributes;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;

/**
 * The explainer: where a connection from a workload to a service or workload goes, and what each
 * hop decides. L4 decisions are made by {@link L4Policy}, the code the ztunnels run, over the
 * policies as the xds-server translated them for the ztunnels, with the identity the deciding
 * ztunnel would see: the source's own, or on the waypoint path the waypoint's (DESIGN §4). A
 * waypoint hop is decided by {@link RbacEngine}, the code the waypoint runs, over the RBAC filters
 * of the waypoint's listener for that service port as the xds-server serves them, for one HTTP
 * request ({@link HttpProbe}: the operator's method, path and headers, else {@code GET /}), with
 * the source's identity and address as the waypoint sees them.
 */
public final class Explainer {

    private Explainer() {
    }

    /**
     * @param from a workload: {@code namespace/pod} or its IP
     * @param to   a service ({@code namespace/name}, or its VIP) or a workload ({@code namespace/pod}, or its IP)
     * @param request   the HTTP request a waypoint decides on; {@link HttpProbe#DEFAULT} when the operator gave none
     * @param waypoints where a waypoint's listeners are read from
     */
    public static Explanation explain(MeshSnapshot mesh, String from, String to, int port, HttpProbe request,
            WaypointListeners.Lookup waypoints) {
        WorkloadInfo source = resolveWorkload(mesh, from)
                .orElseThrow(() -> new ExplainException("from", "no workload " + from + " in the mesh (give namespace/pod or a pod IP)"));
        Optional<ServiceInfo> service = resolveService(mesh, to);
        List<Target> targets = new ArrayList<>();
        String waypoint;
        List<String> notes = new ArrayList<>();
        String l7Host;
        if (service.isPresent()) {
            ServiceInfo s = service.get();
            ServiceInfo.Port servicePort = s.ports().stream().filter(p -> p.port() == port).findFirst()
                    .orElseThrow(() -> new ExplainException("port", "service " + s.namespace() + "/" + s.name() + " has no port " + port
                            + "; its ports: " + s.ports().stream().map(p -> String.valueOf(p.port())).toList()));
            targets.addAll(serviceTargets(mesh, s, servicePort));
            if (targets.isEmpty()) {
                notes.add("service " + s.namespace() + "/" + s.name() + " has no endpoints: the connection fails (no healthy upstream)");
            }
            waypoint = s.waypoint();
            l7Host = s.hostname();
        } else {
            WorkloadInfo destination = resolveWorkload(mesh, to)
                    .orElseThrow(() -> new ExplainException("to", "no service or workload " + to + " in the mesh (give namespace/name or an IP)"));
            targets.add(new Target(destination, port));
            // workload-addressed (a pod IP): ztunnel takes the workload's own waypoint, never a service's
            // (istio/ztunnel outbound build_request: fetch_workload_waypoint only when not service-addressed)
            waypoint = destination.waypoint();
            l7Host = null;
        }
        if (!source.captured()) {
            notes.add("the source is not enrolled in ambient: it connects in plain text, with no identity, and no waypoint is used");
            waypoint = null;
        }
        if (waypoint != null && waypointPods(mesh, waypoint).stream().anyMatch(w -> w.uid().equals(source.uid()))) {
            waypoint = null; // waypoint traffic is never sent back through a waypoint
        }
        List<Explanation.Hop> hops = new ArrayList<>();
        Explanation.Route route = null;
        String peer = source.captured() ? source.identity() : "";
        String peerIp = source.addresses().isEmpty() ? "0.0.0.0" : source.addresses().getFirst();
        if (waypoint != null) {
            Optional<WorkloadInfo> proxy = waypointPods(mesh, waypoint).stream().findFirst();
            WaypointHop at = waypointHop(mesh, waypoint, service, l7Host, port, targets, peer, peerIp, to + ":" + port, request, waypoints);
            hops.add(at.hop());
            route = at.route();
            if (route != null && !route.action().equals("forward") && at.hop().allowed()) {
                notes.add("the waypoint answers the request itself (" + route.action() + "): " + route.outcome());
            }
            if (route != null && route.action().equals("forward") && !route.backends().isEmpty()
                    && route.backends().stream().noneMatch(b -> b.service().isEmpty())) {
                // the waypoint forwards to the route's backends, not to the address the client dialled
                targets.clear();
                for (Explanation.Backend b : route.backends()) {
                    ServiceInfo backend = mesh.services().stream().filter(x -> (x.namespace() + "/" + x.name()).equals(b.service())).findFirst().orElseThrow();
                    backend.ports().stream().filter(p -> p.port() == b.port()).findFirst()
                            .ifPresent(p -> targets.addAll(serviceTargets(mesh, backend, p)));
                }
                if (targets.isEmpty()) {
                    notes.add("the route's backends have no endpoints: the waypoint answers 503 (UH)");
                }
            }
            if (proxy.isEmpty()) {
                notes.add("waypoint " + waypoint + " has no running workload: the connection fails");
            } else {
                peer = proxy.get().identity();
                peerIp = proxy.get().addresses().isEmpty() ? peerIp : proxy.get().addresses().getFirst();
            }
        }
        boolean waypointAllows = hops.stream().allMatch(h -> !h.decided() || h.allowed());
        boolean anyAllowed = false;
        for (Target target : targets) {
            WorkloadInfo w = target.workload();
            String ip = w.addresses().isEmpty() ? "0.0.0.0" : w.addresses().getFirst();
            List<AuthorizationPolicy> applicable = applicable(mesh, w);
            Decision decision = L4Policy.decide(new L4Request(peer.isEmpty() ? Optional.empty() : Optional.of(peer),
                    address(peerIp), address(ip), target.port()), applicable);
            anyAllowed |= decision.allowed();
            hops.add(new Explanation.Hop("ztunnel " + w.node() + " (inbound to " + w.namespace() + "/" + w.name() + ")", peer,
                    ip + ":" + target.port(), true, decision.allowed(), decision.policy().orElse(""), decision.describe(),
                    applicable.stream().map(p -> p.key() + " (" + p.action() + (p.dryRun() ? ", dry-run" : "") + ")").toList(),
                    decision.dryRun().map(Decision::describe).orElse("")));
        }
        return new Explanation(source.namespace() + "/" + source.name(), to, port,
                waypoint == null ? "direct" : "via waypoint " + waypoint, waypointAllows && anyAllowed && !targets.isEmpty(), hops, notes, route);
    }

    /**
     * A waypoint's pods: the endpoints of its Service (named as its Gateway, as istiod deploys it
     * and the lab does), else the pods whose owner is named as the Gateway.
     */
    static List<WorkloadInfo> waypointPods(MeshSnapshot mesh, String waypoint) {
        String[] parts = waypoint.split("/", 2);
        if (parts.length < 2) {
            return List.of();
        }
        List<WorkloadInfo> out = new ArrayList<>();
        mesh.service(parts[0], parts[1]).ifPresent(s -> s.endpoints().forEach(uid -> mesh.workloadByUid(uid).ifPresent(out::add)));
        if (out.isEmpty()) {
            mesh.workloads().stream().filter(w -> w.namespace().equals(parts[0]) && w.workloadName().equals(parts[1])).forEach(out::add);
        }
        return out;
    }

    private record WaypointHop(Explanation.Hop hop, Explanation.Route route) {
    }

    /** A service port's endpoints, each at the target port its workload serves the service on. */
    private static List<Target> serviceTargets(MeshSnapshot mesh, ServiceInfo s, ServiceInfo.Port servicePort) {
        List<Target> out = new ArrayList<>();
        for (String uid : s.endpoints()) {
            mesh.workloadByUid(uid).ifPresent(w -> {
                Integer target = w.services().getOrDefault(s.key(), java.util.Map.of()).get(servicePort.port());
                out.add(new Target(w, target != null && target > 0 ? target : servicePort.targetPort() > 0 ? servicePort.targetPort()
                        : servicePort.port()));
            });
        }
        return out;
    }

    /**
     * The waypoint's L7 decision: its listener for the destination (for a service, the listener
     * named {@code host:port}; for a pod IP, the listener whose cluster has that endpoint, as the
     * waypoint maps workload-addressed tunnels), its RBAC filters compiled and run in order (DENY
     * before ALLOW, as translated) by the waypoint's own engine; the first filter that refuses
     * decides (the waypoint answers 403), else the request passes and is routed by the waypoint's
     * own route matching ({@link RouteExplainer}).
     */
    private static WaypointHop waypointHop(MeshSnapshot mesh, String waypoint, Optional<ServiceInfo> service, String host, int port,
            List<Target> dialled, String peer, String peerIp, String destination, HttpProbe request, WaypointListeners.Lookup waypoints) {
        String at = "waypoint " + waypoint;
        List<String> written = l7Policies(mesh, waypoint, service);
        WaypointListeners.Resources resources = waypoints.resources(waypoint);
        Optional<Listener> listener;
        String ambiguity = "";
        if (host != null) {
            listener = WaypointListeners.forService(resources.listeners(), host, port);
            if (listener.isEmpty()) {
                return new WaypointHop(new Explanation.Hop(at, peer, destination, true, false, "",
                        "waypoint " + waypoint + " has no listener for " + host + ":" + port + ": it is not programmed for this service",
                        written, ""), null);
            }
        } else {
            Target pod = dialled.getFirst();
            String ip = pod.workload().addresses().isEmpty() ? "" : pod.workload().addresses().getFirst();
            List<Listener> serving = resources.forEndpoint(ip, pod.port());
            if (serving.isEmpty()) {
                return new WaypointHop(new Explanation.Hop(at, peer, destination, true, false, "",
                        "waypoint " + waypoint + " serves no service with endpoint " + ip + ":" + pod.port()
                                + ": it refuses the tunnel (400 at CONNECT)", written, ""), null);
            }
            listener = Optional.of(serving.getFirst());
            if (serving.size() > 1) {
                ambiguity = "; the pod backs several services on port " + pod.port() + " (" + String.join(", ",
                        serving.stream().map(Listener::getName).toList()) + ") and the waypoint serves it with one of them";
            }
            String name = listener.get().getName();
            int colon = name.lastIndexOf(':');
            host = colon < 0 ? name : name.substring(0, colon);
            port = colon < 0 ? port : Integer.parseInt(name.substring(colon + 1));
        }
        if (WaypointListeners.isTcp(listener.get())) {
            return new WaypointHop(tcpHop(at, listener.get(), host, port, peer, peerIp, destination, request, written, ambiguity), null);
        }
        List<RbacEngine> filters = new ArrayList<>();
        boolean faults = false;
        try {
            HttpConnectionManager hcm = listener.get().getApiListener().getApiListener().unpack(HttpConnectionManager.class);
            for (HttpFilter f : hcm.getHttpFiltersList()) {
                if (f.getName().equals(RBAC_FILTER)) {
                    filters.add(RbacEngine.compile(f.getTypedConfig()));
                }
                faults |= f.getName().equals(RouteExplainer.FAULT_FILTER);
            }
        } catch (com.google.protobuf.InvalidProtocolBufferException | RbacConfigException e) {
            return new WaypointHop(new Explanation.Hop(at, peer, destination, false, false, "",
                    "the waypoint's authorization for " + host + ":" + port + " cannot be evaluated (the waypoint refuses it too): "
                            + e.getMessage(), written, ""), null);
        }
        HttpProbe probe = request.to(host);
        String table = WaypointListeners.routeTableOf(listener.get());
        Explanation.Route route = RouteExplainer.explain(mesh, table, resources.routeTable(table), faults, probe);
        RbacContext context = new RbacContext(probe, peer.isEmpty() ? Optional.empty() : Optional.of(peer),
                address(peerIp), address(peerIp), port);
        List<RbacEngine.Verdict> verdicts = filters.stream().map(f -> f.evaluate(context)).toList();
        List<String> considered = new ArrayList<>();
        verdicts.forEach(v -> v.policies().forEach(name -> considered.add(name + " (" + (v.allow() ? "ALLOW" : "DENY") + ", L7)")));
        String asked = " for " + probe.describe() + (request == HttpProbe.DEFAULT ? " (no method/path given: GET / assumed)" : "");
        Optional<String> allowedBy = Optional.empty();
        for (RbacEngine.Verdict verdict : verdicts) {
            if (!verdict.permitted()) {
                String reason = verdict.allow()
                        ? "no ALLOW policy at the waypoint matches" + asked + ": denied (HTTP 403)"
                        : "DENY policy " + verdict.matched().orElseThrow() + " matches" + asked + ": denied (HTTP 403)";
                return new WaypointHop(new Explanation.Hop(at, peer, destination, true, false, policyKey(verdict.matched().orElse("")),
                        reason + ambiguity, considered.isEmpty() ? written : considered, ""), route);
            }
            if (verdict.allow()) {
                allowedBy = verdict.matched();
            }
        }
        String reason = filters.isEmpty() ? "no L7 policy applies at the waypoint" + asked + ": allowed"
                : allowedBy.map(p -> "ALLOW policy " + p + " matches" + asked + ": allowed")
                        .orElse("no DENY policy matches" + asked + " and there is no ALLOW policy: allowed");
        return new WaypointHop(new Explanation.Hop(at, peer, destination, true, true, allowedBy.map(Explainer::policyKey).orElse(""),
                reason + ambiguity, considered.isEmpty() ? written : considered, ""), route);
    }

    /**
     * A TCP port at the waypoint (its protocol is not HTTP): the waypoint only relays bytes there, so
     * it enforces L4 (network) RBAC only, once per connection, with the source's identity and address
     * and the port; HTTP attributes take no part. Decided by the waypoint's own engine over the
     * listener's {@code envoy.filters.network.rbac} filters ({@link RbacEngine#compileNetwork}),
     * evaluated as its TCP proxy does (with {@link RequestAttributes#NONE}). No route: the bytes go
     * to the service's endpoints.
     */
    private static Explanation.Hop tcpHop(String at, Listener listener, String host, int port, String peer, String peerIp,
            String destination, HttpProbe request, List<String> written, String ambiguity) {
        List<RbacEngine> filters = new ArrayList<>();
        try {
            for (var chain : listener.getFilterChainsList()) {
                for (var f : chain.getFiltersList()) {
                    if (f.getName().equals(RbacEngine.NETWORK_FILTER)) {
                        filters.add(RbacEngine.compileNetwork(f.getTypedConfig()));
                    }
                }
            }
        } catch (RbacConfigException e) {
            return new Explanation.Hop(at, peer, destination, false, false, "",
                    "the waypoint's L4 authorization for " + host + ":" + port + " cannot be evaluated (the waypoint refuses it too): "
                            + e.getMessage(), written, "");
        }
        RbacContext context = new RbacContext(RequestAttributes.NONE, peer.isEmpty() ? Optional.empty() : Optional.of(peer),
                address(peerIp), address(peerIp), port);
        String tcp = "port " + port + " of " + host + " is TCP (not HTTP) at the waypoint: it enforces L4 (network) RBAC only there, "
                + "once per connection" + (request == HttpProbe.DEFAULT ? "" : "; the request's method, path and headers take no part");
        List<String> considered = new ArrayList<>();
        Optional<String> allowedBy = Optional.empty();
        for (RbacEngine filter : filters) {
            RbacEngine.Verdict verdict = filter.evaluate(context);
            verdict.policies().forEach(name -> considered.add(name + " (" + (verdict.allow() ? "ALLOW" : "DENY") + ", L4 at the waypoint)"));
            if (!verdict.permitted()) {
                String reason = verdict.allow() ? "no ALLOW policy at the waypoint matches this connection: the waypoint closes it"
                        : "DENY policy " + verdict.matched().orElseThrow() + " matches this connection: the waypoint closes it";
                return new Explanation.Hop(at, peer, destination, true, false, policyKey(verdict.matched().orElse("")),
                        tcp + "; " + reason + ambiguity, considered, "");
            }
            if (verdict.allow()) {
                allowedBy = verdict.matched();
            }
        }
        String reason = filters.isEmpty() ? "no policy applies at the waypoint: allowed"
                : allowedBy.map(p -> "ALLOW policy " + p + " matches: allowed")
                        .orElse("no DENY policy matches and there is no ALLOW policy: allowed");
        return new Explanation.Hop(at, peer, destination, true, true, allowedBy.map(Explainer::policyKey).orElse(""),
                tcp + "; " + reason + ambiguity, considered.isEmpty() ? written : considered, "");
    }

    static final String RBAC_FILTER = "envoy.filters.http.rbac";
    private static final java.util.regex.Pattern ISTIO_RBAC_NAME = java.util.regex.Pattern.compile("ns\\[([^]]*)]-policy\\[([^]]*)]-rule\\[\\d+]");

    /** istiod's RBAC policy name {@code ns[demo]-policy[deny-admin]-rule[0]} as the policy's key {@code demo/deny-admin}. */
    static String policyKey(String rbacName) {
        var m = ISTIO_RBAC_NAME.matcher(rbacName);
        return m.matches() ? m.group(1) + "/" + m.group(2) : rbacName;
    }

    /** The translated policies that apply to a workload, gathered as ztunnel gathers them. */
    public static List<AuthorizationPolicy> applicable(MeshSnapshot mesh, WorkloadInfo w) {
        List<String> namespaceKeys = new ArrayList<>();
        List<String> globalKeys = new ArrayList<>();
        mesh.policies().values().forEach(p -> {
            if (p.scope() == AuthorizationPolicy.Scope.NAMESPACE && p.namespace().equals(w.namespace())) {
                namespaceKeys.add(p.key());
            } else if (p.scope() == AuthorizationPolicy.Scope.GLOBAL) {
                globalKeys.add(p.key());
            }
        });
        return L4Policy.applicable(namespaceKeys, globalKeys, w.policies(), mesh.policies()::get);
    }

    /** Written AuthorizationPolicies whose targetRef(s) name the waypoint's Gateway or the destination Service. */
    private static List<String> l7Policies(MeshSnapshot mesh, String waypoint, Optional<ServiceInfo> service) {
        List<String> out = new ArrayList<>();
        for (StoreObject policy : mesh.objects("AuthorizationPolicy")) {
            List<tools.jackson.databind.JsonNode> refs = new ArrayList<>();
            if (policy.spec().has("targetRef")) {
                refs.add(policy.spec().path("targetRef"));
            }
            policy.spec().path("targetRefs").forEach(refs::add);
            for (var ref : refs) {
                String kind = ref.path("kind").asString("");
                String name = ref.path("name").asString("");
                boolean gateway = kind.equals("Gateway") && waypoint.equals(policy.namespace() + "/" + name);
                boolean svc = kind.equals("Service") && service.isPresent()
                        && service.get().namespace().equals(policy.namespace()) && service.get().name().equals(name);
                if (gateway || svc) {
                    out.add(policy.key() + " (" + policy.spec().path("action").asString("ALLOW") + ", L7)");
                    break;
                }
            }
        }
        return out;
    }

    private static Optional<WorkloadInfo> resolveWorkload(MeshSnapshot mesh, String ref) {
        if (ref.contains("/")) {
            String[] parts = ref.split("/", 2);
            return mesh.workload(parts[0], parts[1]).or(() -> mesh.workloads().stream()
                    .filter(w -> w.namespace().equals(parts[0]) && w.workloadName().equals(parts[1])).findFirst());
        }
        return mesh.workloadAt(ref);
    }

    private static Optional<ServiceInfo> resolveService(MeshSnapshot mesh, String ref) {
        if (ref.contains("/")) {
            String[] parts = ref.split("/", 2);
            return mesh.service(parts[0], parts[1]);
        }
        return mesh.serviceAt(ref);
    }

    private static InetAddress address(String ip) {
        try {
            return InetAddress.ofLiteral(ip);
        } catch (IllegalArgumentException e) {
            throw new ExplainException("to", "not an IP address: " + ip);
        }
    }

    private record Target(WorkloadInfo workload, int port) {
    }
}
