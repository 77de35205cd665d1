package io.ambit.xds.translate;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.ambit.gatewayapi.envoy.Backends;
import io.ambit.gatewayapi.envoy.RankedRoute;
import io.ambit.gatewayapi.envoy.RouteConverter;
import io.ambit.gatewayapi.envoy.RouteOrigin;
import io.ambit.gatewayapi.envoy.RouteProblem;
import io.ambit.gatewayapi.envoy.TrafficPolicies;
import io.ambit.gatewayapi.envoy.VirtualServiceConverter;
import io.ambit.gatewayapi.istio.DestinationRuleSpec;
import io.ambit.gatewayapi.istio.VirtualServiceSpec;
import io.ambit.gatewayapi.istio.IstioSpecs;
import io.ambit.gatewayapi.v1.BackendObjectReference;
import io.ambit.gatewayapi.v1.GRPCRouteSpec;
import io.ambit.gatewayapi.v1.GatewayApi;
import io.ambit.gatewayapi.v1.HTTPRouteSpec;
import io.ambit.gatewayapi.v1.ParentReference;
import io.ambit.gatewayapi.v1.ReferenceGrantSpec;
import io.ambit.proto.workload.GatewayAddress;
import io.ambit.proto.workload.Port;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;

/**
 * Waypoints' L7 configuration: for each waypoint Gateway, the services bound to it (the same
 * {@code istio.io/use-waypoint} rules ztunnel's side follows, {@link WaypointBindings}), and for
 * each of their ports a listener, a route table, and the clusters and endpoints the routes name.
 *
 * <p>Routes that apply to a service's port, merged into one virtual host and ordered by
 * {@link RankedRoute}:
 * <ul>
 * <li>GAMMA: an HTTPRoute or GRPCRoute in the Service's own namespace (a producer route) whose
 *     {@code parentRefs} names the Service, without a port or with that port. A route in another
 *     namespace (a consumer route) applies to its own namespace's clients in Istio's sidecar mode;
 *     a waypoint does not apply it, and the parent is accepted with a message saying so.</li>
 * <li>A route whose parent is the waypoint Gateway itself (same or allowed namespace): for every
 *     service of the waypoint whose hostname its {@code hostnames} cover (all, if it names none).</li>
 * <li>No route: one catch-all route to the service itself, with Istio's default retry policy.</li>
 * </ul>
 * L7 authorization ({@link WaypointRbac}) goes in each listener's filter chain before the router.
 *
 * <p>Backends: a Service (core group) with a port; in another namespace only if a ReferenceGrant
 * there lets the route's kind in its namespace refer to it. Endpoints: the running pods the
 * Service selects, at the target port (named ports resolved per pod), reached over HBONE by the
 * waypoint. Load balancing is round robin (istiod's default is least-request; grpc-java's
 * least-request support is still experimental, and the same resources serve it).
 */
public final class WaypointL7Translator {

    public static final String MESH_CONTROLLER = "istio.io/mesh-controller";
    /** Where an invalid backend's share of traffic goes: a cluster no waypoint is ever sent, so Envoy answers 500. */
    static final String NOWHERE = "outbound|0||";
    private static final String CORE = "";

    /** All waypoints' configuration, and the status of every route. */
    public record Result(Map<String, WaypointConfig> waypoints, List<RouteParentStatus> routeStatuses,
                         List<WaypointPolicyStatus> policyStatuses, List<Finding> findings) {
        public Result {
            waypoints = java.util.Collections.unmodifiableMap(new TreeMap<>(waypoints));
            routeStatuses = List.copyOf(routeStatuses);
            policyStatuses = List.copyOf(policyStatuses);
            findings = List.copyOf(findings);
        }
    }

    private final MeshInputs inputs;
    private final List<Finding> findings = new ArrayList<>();
    /** Where findings go: {@link #findings}, or while one waypoint is translated, that waypoint's own list. */
    private List<Finding> sink = findings;
    private final WaypointRbac rbac;
    private final Map<String, Service> services = new LinkedHashMap<>();
    private final List<ParsedRoute> routes = new ArrayList<>();
    private final Map<String, List<ReferenceGrantSpec>> grantsByNamespace = new LinkedHashMap<>();
    /** Service {@code namespace/name} (or {@link #GATEWAY_PARENTS}) → indexes into {@link #routes}; built on first use. */
    private Map<String, List<Integer>> routesByParent;
    private static final String GATEWAY_PARENTS = "*gateway";
    /** route key → parent index → problems met while converting for that parent (merged from the waypoints' attachments). */
    private final Map<String, Map<Integer, List<RouteProblem>>> problems = new LinkedHashMap<>();
    /** route key → parent index → the waypoint that applies it (merged from the waypoints' attachments). */
    private final Map<String, Map<Integer, String>> attached = new LinkedHashMap<>();

    /** A VirtualService or DestinationRule a waypoint may apply, with its hosts as FQDNs or {@code *.suffix}. */
    private record Parsed<T>(GenericKubernetesResource object, List<String> hosts, T spec) {
        String namespace() {
            return object.getMetadata().getNamespace();
        }

        String name() {
            return object.getMetadata().getName();
        }

        boolean covers(String host) {
            return hosts.stream().anyMatch(h -> h.equals("*") || hostMatches(h, host));
        }
    }

    private final List<Parsed<VirtualServiceSpec>> virtualServices = new ArrayList<>();
    private final List<Parsed<DestinationRuleSpec>> destinationRules = new ArrayList<>();
    /** The bound service's host for each cluster whose DestinationRule was already looked at (one finding per rule, not per port). */
    private final java.util.Set<String> reportedRules = new java.util.HashSet<>();

    private record ParsedRoute(GenericKubernetesResource object, RouteOrigin origin, List<ParentReference> parents, List<String> hostnames,
                               HTTPRouteSpec http, GRPCRouteSpec grpc) {
        String key() {
            return origin.kind() + "/" + origin.namespace() + "/" + origin.name();
        }
    }

    private WaypointL7Translator(MeshInputs inputs) {
        this.inputs = inputs;
        this.rbac = new WaypointRbac(inputs, findings);
        inputs.services().forEach(s -> services.put(s.getMetadata().getNamespace() + "/" + s.getMetadata().getName(), s));
        for (GenericKubernetesResource grant : inputs.referenceGrants()) {
            try {
                grantsByNamespace.computeIfAbsent(grant.getMetadata().getNamespace(), k -> new ArrayList<>())
                        .add(IstioSpecs.bind(grant.getAdditionalProperties().get("spec"), ReferenceGrantSpec.class));
            } catch (IllegalArgumentException e) {
                findings.add(new Finding("ReferenceGrant", grant.getMetadata().getNamespace(), grant.getMetadata().getName(),
                        "spec does not match gateway.networking.k8s.io ReferenceGrant (" + e.getMessage() + "); it grants nothing"));
            }
        }
        for (GenericKubernetesResource route : inputs.httpRoutes()) {
            parse(route, "HTTPRoute");
        }
        for (GenericKubernetesResource route : inputs.grpcRoutes()) {
            parse(route, "GRPCRoute");
        }
        for (GenericKubernetesResource vs : byAge(inputs.virtualServices())) {
            try {
                VirtualServiceSpec spec = IstioSpecs.bind(vs.getAdditionalProperties().get("spec"), VirtualServiceSpec.class);
                if (spec.gateways().isEmpty() || spec.gateways().contains("mesh")) { // bound to gateways only: not a waypoint's
                    virtualServices.add(new Parsed<>(vs, fqdns(spec.hosts(), vs.getMetadata().getNamespace()), spec));
                }
            } catch (IllegalArgumentException e) {
                findings.add(new Finding("VirtualService", vs.getMetadata().getNamespace(), vs.getMetadata().getName(),
                        "spec does not match networking.istio.io/v1 VirtualService as Ambit applies it (" + e.getMessage() + "); not applied"));
            }
        }
        for (GenericKubernetesResource dr : byAge(inputs.destinationRules())) {
            try {
                DestinationRuleSpec spec = IstioSpecs.bind(dr.getAdditionalProperties().get("spec"), DestinationRuleSpec.class);
                if (spec.host() != null && !spec.host().isEmpty()) {
                    destinationRules.add(new Parsed<>(dr, fqdns(List.of(spec.host()), dr.getMetadata().getNamespace()), spec));
                }
            } catch (IllegalArgumentException e) {
                findings.add(new Finding("DestinationRule", dr.getMetadata().getNamespace(), dr.getMetadata().getName(),
                        "spec does not match networking.istio.io/v1 DestinationRule as Ambit applies it (" + e.getMessage() + "); not applied"));
            }
        }
    }

    /** Oldest first, then namespace/name: istiod's order when several objects could apply. */
    private static List<GenericKubernetesResource> byAge(List<GenericKubernetesResource> objects) {
        return objects.stream().sorted(Comparator
                .comparing((GenericKubernetesResource o) -> o.getMetadata().getCreationTimestamp() == null ? "" : o.getMetadata().getCreationTimestamp())
                .thenComparing(o -> o.getMetadata().getNamespace()).thenComparing(o -> o.getMetadata().getName())).toList();
    }

    /** Istio's short names: a host without a dot is a Service of the object's namespace. */
    private List<String> fqdns(List<String> hosts, String namespace) {
        return hosts.stream().map(h -> h.contains(".") || h.equals("*") ? h : h + "." + namespace + ".svc." + inputs.clusterDomain()).toList();
    }

    private void parse(GenericKubernetesResource route, String kind) {
        String namespace = route.getMetadata().getNamespace();
        String name = route.getMetadata().getName();
        String created = route.getMetadata().getCreationTimestamp();
        RouteOrigin origin = new RouteOrigin(kind, namespace, name, created == null ? null : Instant.parse(created));
        Object spec = route.getAdditionalProperties().get("spec");
        try {
            if (kind.equals("HTTPRoute")) {
                HTTPRouteSpec http = IstioSpecs.bind(spec, HTTPRouteSpec.class);
                routes.add(new ParsedRoute(route, origin, http.parentRefs(), http.hostnames(), http, null));
            } else {
                GRPCRouteSpec grpc = IstioSpecs.bind(spec, GRPCRouteSpec.class);
                routes.add(new ParsedRoute(route, origin, grpc.parentRefs(), grpc.hostnames(), null, grpc));
            }
        } catch (IllegalArgumentException e) {
            findings.add(new Finding(kind, namespace, name, "spec does not match gateway.networking.k8s.io/v1 " + kind + " ("
                    + e.getMessage() + "); not applied (only a Kubernetes-mode object can get here: the local store refuses such YAML)"));
        }
    }

    public static Result translate(MeshInputs inputs) {
        return new WaypointL7Translator(inputs).run();
    }

    /**
     * The configs of only those programmed waypoints {@code affected} accepts (told the waypoint's
     * {@code namespace/name} and the services bound to it), for a change that can alter no other
     * waypoint: the caller keeps the others' resources. Statuses are not worked out here: with every
     * waypoint's config, translated now or kept, {@link #statuses} does that without translating.
     */
    public static Partial translateOnly(MeshInputs inputs, java.util.function.BiPredicate<String, List<Service>> affected) {
        return new WaypointL7Translator(inputs).runOnly(affected);
    }

    /**
     * @param programmed every programmed waypoint's name, translated or not
     * @param translated the configs of the waypoints that were translated
     */
    public record Partial(java.util.SortedSet<String> programmed, Map<String, WaypointConfig> translated) {
        public Partial {
            programmed = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(programmed));
            translated = java.util.Collections.unmodifiableMap(new TreeMap<>(translated));
        }
    }

    private Partial runOnly(java.util.function.BiPredicate<String, List<Service>> affected) {
        List<Waypoint> waypoints = WaypointTranslator.waypoints(inputs).resources();
        WaypointBindings bindings = new WaypointBindings(inputs, waypoints);
        Map<String, List<Service>> bound = bound(waypoints, bindings);
        Map<String, List<Pod>> boundPods = boundPods(waypoints, bindings);
        TreeSet<String> programmed = new TreeSet<>();
        Map<String, WaypointConfig> configs = new TreeMap<>();
        for (Waypoint waypoint : waypoints) {
            if (waypoint.programmed()) {
                List<Service> services = bound.getOrDefault(waypoint.resourceName(), List.of());
                programmed.add(waypoint.resourceName());
                if (affected.test(waypoint.resourceName(), services)) {
                    configs.put(waypoint.resourceName(), waypoint(waypoint, services, boundPods.getOrDefault(waypoint.resourceName(), List.of())));
                }
            }
        }
        return new Partial(programmed, configs);
    }

    private Result run() {
        List<Waypoint> waypoints = WaypointTranslator.waypoints(inputs).resources();
        WaypointBindings bindings = new WaypointBindings(inputs, waypoints);
        Map<String, List<Service>> bound = bound(waypoints, bindings);
        Map<String, List<Pod>> boundPods = boundPods(waypoints, bindings);
        Map<String, WaypointConfig> configs = new TreeMap<>();
        for (Waypoint waypoint : waypoints) {
            if (waypoint.programmed()) {
                configs.put(waypoint.resourceName(), waypoint(waypoint, bound.getOrDefault(waypoint.resourceName(), List.of()),
                        boundPods.getOrDefault(waypoint.resourceName(), List.of())));
            }
        }
        return result(waypoints, bindings, configs);
    }

    /**
     * The statuses, policy statuses and findings of {@code inputs}, given every programmed waypoint's
     * config as {@link #translate} or {@link #translateOnly} made it from the same inputs (a config
     * kept from an earlier translation is valid when the change since could not alter it). No
     * waypoint is translated: the routes each applies and the problems met come with its config.
     * Equal to {@link #translate}'s result for the same inputs.
     */
    public static Result statuses(MeshInputs inputs, Map<String, WaypointConfig> configs) {
        WaypointL7Translator translator = new WaypointL7Translator(inputs);
        List<Waypoint> waypoints = WaypointTranslator.waypoints(inputs).resources();
        return translator.result(waypoints, new WaypointBindings(inputs, waypoints), configs);
    }

    /** Merges the waypoints' attachments and findings (in the waypoints' order, as one translation meets them), then works out status. */
    private Result result(List<Waypoint> waypoints, WaypointBindings bindings, Map<String, WaypointConfig> configs) {
        for (Waypoint waypoint : waypoints) {
            WaypointConfig config = configs.get(waypoint.resourceName());
            if (config == null) {
                continue;
            }
            for (WaypointConfig.Attachment a : config.attachments()) {
                problems.computeIfAbsent(a.route(), k -> new LinkedHashMap<>()).computeIfAbsent(a.parent(), k -> new ArrayList<>())
                        .addAll(a.problems());
                attached.computeIfAbsent(a.route(), k -> new LinkedHashMap<>()).put(a.parent(), waypoint.resourceName());
            }
            for (Finding finding : config.findings()) {
                // a policy's finding is reported once however many waypoints meet it (WaypointRbac's rule)
                if (!finding.kind().equals(AuthorizationTranslator.KIND) || !findings.contains(finding)) {
                    findings.add(finding);
                }
            }
        }
        return new Result(configs, statuses(waypoints), policyStatuses(waypoints, bindings), findings);
    }

    /** Each waypoint's bound services (by the same {@code istio.io/use-waypoint} rules as ztunnel's side), in name order. */
    private Map<String, List<Service>> bound(List<Waypoint> waypoints, WaypointBindings bindings) {
        Map<String, List<Service>> bound = new TreeMap<>();
        for (Service service : services.values()) {
            String ns = service.getMetadata().getNamespace();
            String name = service.getMetadata().getName();
            if (bindings.isWaypointService(ns, name)) {
                continue;
            }
            // findings about bindings are ztunnel's side's to report: collect none twice
            Optional<GatewayAddress> address = bindings.resolve(WaypointBindings.Target.SERVICE, "Service", ns, name,
                    Labels.of(service), new ArrayList<>());
            address.flatMap(a -> waypoints.stream().filter(w -> a.equals(w.address())).findFirst())
                    .ifPresent(w -> bound.computeIfAbsent(w.resourceName(), k -> new ArrayList<>()).add(service));
        }
        return bound;
    }

    /** Each waypoint's bound pods (a workload waypoint's: {@code istio.io/use-waypoint} on the pod or its namespace). */
    private Map<String, List<Pod>> boundPods(List<Waypoint> waypoints, WaypointBindings bindings) {
        Map<String, List<Pod>> boundPods = new TreeMap<>();
        for (Pod pod : inputs.pods()) {
            String ns = pod.getMetadata().getNamespace();
            Map<String, String> labels = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
            if (!running(pod) || bindings.isWaypointInstance(ns, labels)) {
                continue;
            }
            bindings.resolve(WaypointBindings.Target.WORKLOAD, "Pod", ns, pod.getMetadata().getName(), labels, new ArrayList<>())
                    .flatMap(a -> waypoints.stream().filter(w -> a.equals(w.address())).findFirst())
                    .ifPresent(w -> boundPods.computeIfAbsent(w.resourceName(), k -> new ArrayList<>()).add(pod));
        }
        return boundPods;
    }

    /** One waypoint's config, with the findings its translation reports kept apart (its own {@link #sink}). */
    private WaypointConfig waypoint(Waypoint waypoint, List<Service> bound, List<Pod> boundPods) {
        List<Finding> own = new ArrayList<>();
        sink = own;
        rbac.reportTo(own);
        try {
            return translateWaypoint(waypoint, bound, boundPods, own);
        } finally {
            sink = findings;
            rbac.reportTo(findings);
        }
    }

    private WaypointConfig translateWaypoint(Waypoint waypoint, List<Service> bound, List<Pod> boundPods, List<Finding> own) {
        List<WaypointConfig.Attachment> attachments = new ArrayList<>();
        List<Listener> listeners = new ArrayList<>();
        List<RouteConfiguration> routeConfigs = new ArrayList<>();
        TreeSet<String> clusters = new TreeSet<>();
        for (Service service : bound) {
            String host = ServiceTranslator.hostname(inputs, service);
            List<String> vips = ServiceTranslator.clusterIps(service);
            for (ServicePort port : ServiceTranslator.ports(service)) {
                PortProtocol protocol = PortProtocol.of(port);
                if (protocol == PortProtocol.UDP) {
                    continue; // as istiod: a waypoint has no UDP chain
                }
                String clusterName = clusterName(host, port.getPort());
                clusters.add(clusterName);
                if (protocol == PortProtocol.TCP) {
                    listeners.add(tcpListener(host, vips, port.getPort(), clusterName, rbac.networkFilters(waypoint,
                            service.getMetadata().getNamespace(), service.getMetadata().getName(), clusterName)));
                    continue;
                }
                listeners.add(listener(host, vips, port.getPort(), clusterName,
                        rbac.filters(waypoint, service.getMetadata().getNamespace(), service.getMetadata().getName())));
                List<RankedRoute> ranked = new ArrayList<>();
                for (ParsedRoute route : candidates(service)) {
                    for (int i = 0; i < route.parents().size(); i++) {
                        if (applies(route, route.parents().get(i), waypoint, service, host, port.getPort())) {
                            RouteConverter.Result converted = convert(route, port.getPort());
                            ranked.addAll(converted.routes());
                            attachments.add(new WaypointConfig.Attachment(route.key(), i, converted.problems()));
                            break; // one route counts once per service port, however many of its parents match
                        }
                    }
                }
                List<Route> ordered = ranked.isEmpty() ? virtualServiceRoutes(service, host, port.getPort(), clusterName)
                        .orElse(List.of(defaultRoute(clusterName))) : RankedRoute.order(ranked);
                if (!ranked.isEmpty()) {
                    virtualServices.stream().filter(vs -> vs.covers(host)).forEach(vs -> sink.add(new Finding("VirtualService",
                            vs.namespace(), vs.name(), "not applied to " + host + ":" + port.getPort()
                                    + ": HTTPRoute/GRPCRoute rules apply to it, and Gateway API routes take precedence")));
                }
                ordered.forEach(r -> referencedClusters(r, clusters));
                List<String> domains = new ArrayList<>(List.of(host, host + ":" + port.getPort()));
                vips.forEach(vip -> domains.addAll(List.of(vip, vip + ":" + port.getPort())));
                routeConfigs.add(RouteConfiguration.newBuilder().setName(clusterName)
                        .addVirtualHosts(VirtualHost.newBuilder().setName(host + ":" + port.getPort()).addAllDomains(domains)
                                .addAllRoutes(ordered))
                        .build());
            }
        }
        List<Cluster> clusterList = new ArrayList<>();
        List<ClusterLoadAssignment> assignments = new ArrayList<>();
        if (!boundPods.isEmpty()) {
            List<HttpFilter> authorization = rbac.filters(waypoint, null, null);
            boundPods.stream().sorted(Comparator.comparing(p -> p.getStatus().getPodIP()))
                    .forEach(pod -> listeners.add(directListener(pod, authorization)));
            routeConfigs.add(RouteConfiguration.newBuilder().setName(DIRECT_HTTP)
                    .addVirtualHosts(VirtualHost.newBuilder().setName(DIRECT_HTTP).addDomains("*").addRoutes(defaultRoute(ENCAP)))
                    .build());
            clusterList.add(Cluster.newBuilder().setName(ENCAP)
                    .setType(Cluster.DiscoveryType.ORIGINAL_DST)
                    .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED)
                    .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(10))
                    .build());
        }
        for (String name : clusters) {
            parseClusterName(name).ifPresent(target -> {
                clusterList.add(withTrafficPolicy(cluster(name), ServiceTranslator.hostname(inputs, target.service())));
                assignments.add(endpoints(name, target.service(), target.port()));
            });
        }
        listeners.sort(Comparator.comparing(Listener::getName));
        routeConfigs.sort(Comparator.comparing(RouteConfiguration::getName));
        return new WaypointConfig(waypoint.resourceName(), listeners, routeConfigs, clusterList, assignments, attachments, own);
    }

    /**
     * The routes that may apply to a service, in their original order: those naming it as a parent
     * and those with a Gateway parent ({@link #applies} decides). Without this index every service
     * port would test every route of the mesh (1,000 services × 1,000 routes per translation).
     */
    private List<ParsedRoute> candidates(Service service) {
        if (routesByParent == null) {
            routesByParent = new java.util.HashMap<>();
            for (int i = 0; i < routes.size(); i++) {
                ParsedRoute route = routes.get(i);
                for (ParentReference parent : route.parents()) {
                    String key = parent.isService()
                            ? (parent.namespace() == null ? route.origin().namespace() : parent.namespace()) + "/" + parent.name()
                            : GATEWAY_PARENTS;
                    List<Integer> indexes = routesByParent.computeIfAbsent(key, k -> new ArrayList<>());
                    if (indexes.isEmpty() || indexes.getLast() != i) { // int comparison: getLast() unboxes
                        indexes.add(i);
                    }
                }
            }
        }
        List<Integer> own = routesByParent.getOrDefault(service.getMetadata().getNamespace() + "/" + service.getMetadata().getName(), List.of());
        List<Integer> gateway = routesByParent.getOrDefault(GATEWAY_PARENTS, List.of());
        TreeSet<Integer> indexes = new TreeSet<>(own);
        indexes.addAll(gateway);
        List<ParsedRoute> out = new ArrayList<>(indexes.size());
        indexes.forEach(i -> out.add(routes.get(i)));
        return out;
    }

    private boolean applies(ParsedRoute route, ParentReference parent, Waypoint waypoint, Service service, String host, int port) {
        String parentNamespace = parent.namespace() == null ? route.origin().namespace() : parent.namespace();
        if (parent.isService()) {
            return parentNamespace.equals(service.getMetadata().getNamespace()) && parent.name().equals(service.getMetadata().getName())
                    && route.origin().namespace().equals(service.getMetadata().getNamespace())
                    && (parent.port() == null || parent.port() == port);
        }
        if (GatewayApi.GROUP.equals(parent.groupOrDefault()) && "Gateway".equals(parent.kindOrDefault())
                && (waypoint.namespace() + "/" + waypoint.name()).equals(parentNamespace + "/" + parent.name())
                && waypoint.allowsFrom(inputs, route.origin().namespace())) {
            return route.hostnames().isEmpty() || route.hostnames().stream().anyMatch(h -> hostMatches(h, host));
        }
        return false;
    }

    private static boolean hostMatches(String pattern, String host) {
        return pattern.startsWith("*.") ? host.endsWith(pattern.substring(1)) : pattern.equals(host);
    }

    private RouteConverter.Result convert(ParsedRoute route, int port) {
        Backends backends = this::resolve;
        return route.http() != null ? RouteConverter.http(route.origin(), route.http(), port, backends)
                : RouteConverter.grpc(route.origin(), route.grpc(), port, backends);
    }

    /**
     * A Service backend → its cluster, as istiod's {@code buildDestination} checks it: a kind
     * other than a core Service, or a reference no ReferenceGrant permits, goes nowhere (istiod
     * leaves the destination empty: Ambit names {@link #NOWHERE}, a cluster never sent); a Service
     * that does not exist keeps its name, whose cluster is not sent either. Messages are istiod's.
     */
    private Backends.Resolution resolve(String routeKind, String routeNamespace, BackendObjectReference ref) {
        String namespace = ref.namespace() == null ? routeNamespace : ref.namespace();
        String group = ref.group() == null ? CORE : ref.group();
        String kind = ref.kind() == null ? "Service" : ref.kind();
        String host = ref.name() + "." + namespace + ".svc." + inputs.clusterDomain();
        if (!group.equals(CORE) || !kind.equals("Service")) {
            return new Backends.Resolution(NOWHERE, "InvalidKind", "referencing unsupported backendRef: group \"" + group
                    + "\" kind \"" + kind + "\"");
        }
        if (!namespace.equals(routeNamespace) && grantsByNamespace.getOrDefault(namespace, List.of()).stream()
                .noneMatch(g -> g.permits(GatewayApi.GROUP, routeKind, routeNamespace, CORE, "Service", ref.name()))) {
            return new Backends.Resolution(NOWHERE, "RefNotPermitted", "backendRef " + ref.name() + "/" + namespace
                    + " not accessible to a " + routeKind + " in namespace \"" + routeNamespace + "\" (missing a ReferenceGrant?)");
        }
        if (ref.port() == null) {
            return new Backends.Resolution(NOWHERE, "BackendNotFound", "port is required in backendRef");
        }
        String cluster = clusterName(host, ref.port());
        if (!services.containsKey(namespace + "/" + ref.name())) {
            return new Backends.Resolution(cluster, "BackendNotFound", "backend(" + host + ") not found");
        }
        return Backends.Resolution.of(cluster);
    }

    /**
     * The routes of the first (oldest) VirtualService whose {@code hosts} cover the service, as
     * istiod picks one when several name the same host; empty when none does.
     */
    private Optional<List<Route>> virtualServiceRoutes(Service service, String host, int port, String ownCluster) {
        Optional<Parsed<VirtualServiceSpec>> found = virtualServices.stream().filter(vs -> vs.covers(host)).findFirst();
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Parsed<VirtualServiceSpec> vs = found.get();
        VirtualServiceConverter.Result result = VirtualServiceConverter.convert(vs.namespace(), vs.name(), vs.spec(),
                (destination, destinationPort) -> destination(vs.namespace(), destination, destinationPort, host, port));
        result.problems().forEach(p -> sink.add(new Finding("VirtualService", vs.namespace(), vs.name(),
                host + ":" + port + ": " + p.message())));
        return Optional.of(result.routes());
    }

    /** A VirtualService destination → its cluster: a Service of the mesh, with a port it has (the only one, or the listener's for the service itself). */
    private Backends.Resolution destination(String vsNamespace, String destination, Integer port, String boundHost, int boundPort) {
        String host = fqdns(List.of(destination), vsNamespace).getFirst();
        Service target = services.values().stream().filter(s -> ServiceTranslator.hostname(inputs, s).equals(host)).findFirst().orElse(null);
        if (target == null) {
            return new Backends.Resolution(clusterName(host, port == null ? boundPort : port), "BackendNotFound",
                    "destination " + host + " is not a Service of the mesh");
        }
        List<Integer> ports = ServiceTranslator.ports(target).stream().map(ServicePort::getPort).toList();
        int chosen;
        if (port != null) {
            chosen = port;
        } else if (ports.size() == 1) {
            chosen = ports.getFirst();
        } else if (host.equals(boundHost)) {
            chosen = boundPort;
        } else {
            return new Backends.Resolution(NOWHERE, "BackendNotFound", "destination " + host + " has several ports: port.number is required");
        }
        if (!ports.contains(chosen)) {
            return new Backends.Resolution(clusterName(host, chosen), "BackendNotFound", "destination " + host + " has no port " + chosen);
        }
        return Backends.Resolution.of(clusterName(host, chosen));
    }

    /** The traffic policy of the first (oldest) DestinationRule for the service's host, applied as istiod applies it. */
    private Cluster withTrafficPolicy(Cluster cluster, String host) {
        Optional<Parsed<DestinationRuleSpec>> found = destinationRules.stream().filter(dr -> dr.covers(host)).findFirst();
        if (found.isEmpty()) {
            return cluster;
        }
        Parsed<DestinationRuleSpec> dr = found.get();
        try {
            return TrafficPolicies.apply(cluster, dr.spec().trafficPolicy());
        } catch (IllegalArgumentException e) {
            if (reportedRules.add(dr.namespace() + "/" + dr.name() + "/" + cluster.getName())) {
                sink.add(new Finding("DestinationRule", dr.namespace(), dr.name(), cluster.getName() + ": " + e.getMessage()
                        + "; the cluster keeps its defaults"));
            }
            return cluster;
        }
    }

    private static Route defaultRoute(String cluster) {
        return Route.newBuilder().setName("default")
                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(RouteAction.newBuilder().setCluster(cluster)
                        .setTimeout(com.google.protobuf.Duration.getDefaultInstance())
                        .setMaxStreamDuration(RouteAction.MaxStreamDuration.newBuilder()
                                .setMaxStreamDuration(com.google.protobuf.Duration.getDefaultInstance()))
                        .setRetryPolicy(RouteConverter.defaultRetryPolicy()))
                .build();
    }

    private static void referencedClusters(Route route, TreeSet<String> clusters) {
        if (route.hasRoute()) {
            RouteAction action = route.getRoute();
            if (action.hasWeightedClusters()) {
                action.getWeightedClusters().getClustersList().forEach(c -> clusters.add(c.getName()));
            } else if (!action.getCluster().isEmpty()) {
                clusters.add(action.getCluster());
            }
            action.getRequestMirrorPoliciesList().forEach(m -> clusters.add(m.getCluster()));
        }
    }

    static String clusterName(String host, int port) {
        return "outbound|" + port + "||" + host;
    }

    private record Target(Service service, int port) {
    }

    /** Only clusters of Services that exist, with a port they have, are sent: others are the 500 of unresolved backends. */
    private Optional<Target> parseClusterName(String name) {
        String[] parts = name.split("\\|", -1);
        if (parts.length != 4) {
            return Optional.empty();
        }
        int port = Integer.parseInt(parts[1]);
        String suffix = ".svc." + inputs.clusterDomain();
        if (!parts[3].endsWith(suffix)) {
            return Optional.empty();
        }
        String[] nameAndNamespace = parts[3].substring(0, parts[3].length() - suffix.length()).split("\\.");
        if (nameAndNamespace.length != 2) {
            return Optional.empty();
        }
        Service service = services.get(nameAndNamespace[1] + "/" + nameAndNamespace[0]);
        if (service == null || ServiceTranslator.ports(service).stream().noneMatch(p -> p.getPort() == port)) {
            return Optional.empty();
        }
        return Optional.of(new Target(service, port));
    }

    private static Listener listener(String host, List<String> vips, int port, String routeConfig, List<HttpFilter> authorization) {
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder()
                .setStatPrefix(routeConfig)
                .setRds(Rds.newBuilder().setRouteConfigName(routeConfig)
                        .setConfigSource(ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())
                                .setResourceApiVersion(ApiVersion.V3)))
                .addAllHttpFilters(authorization)
                // as istiod: the fault filter is always in the chain; routes turn it on with their per-filter config
                .addHttpFilters(HttpFilter.newBuilder().setName(VirtualServiceConverter.FAULT_FILTER)
                        .setTypedConfig(Any.pack(HTTPFault.getDefaultInstance())))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
                        .setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        Listener.Builder listener = Listener.newBuilder().setName(host + ":" + port)
                .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm)));
        if (!vips.isEmpty()) {
            listener.setAddress(socket(vips.getFirst(), port));
        }
        return listener.build();
    }

    /** Istio's names: the workload-addressed chain ({@code direct-http}) and the cluster that re-encapsulates to the original destination. */
    public static final String DIRECT_HTTP = "direct-http";
    public static final String ENCAP = "encap";

    /**
     * A workload bound to the waypoint (waypoint-for {@code workload} or {@code all}): Istio's
     * {@code direct-http} chain, matched on the pod's IP alone (any port: ztunnel sends
     * {@code podIP:port} as the CONNECT target), L7 policies attached to the waypoint itself, one
     * catch-all route to {@link #ENCAP}, which goes back out to the CONNECT's own target. The
     * listener carries the pod's identity in its metadata, as endpoints do: the waypoint requires
     * it of the pod's HBONE handshake. Address port 0 stands for "any port".
     */
    private Listener directListener(Pod pod, List<HttpFilter> authorization) {
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder()
                .setStatPrefix(DIRECT_HTTP)
                .setRds(Rds.newBuilder().setRouteConfigName(DIRECT_HTTP)
                        .setConfigSource(ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())
                                .setResourceApiVersion(ApiVersion.V3)))
                .addAllHttpFilters(authorization)
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
                        .setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        return Listener.newBuilder()
                .setName(DIRECT_HTTP + "|" + pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName())
                .setAddress(socket(pod.getStatus().getPodIP(), 0))
                .setMetadata(endpointIdentity(pod))
                .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm)))
                .build();
    }

    private static boolean running(Pod p) {
        return p.getStatus() != null && p.getStatus().getPodIP() != null && !p.getStatus().getPodIP().isEmpty()
                && !"Succeeded".equals(p.getStatus().getPhase()) && !"Failed".equals(p.getStatus().getPhase())
                && p.getMetadata().getDeletionTimestamp() == null;
    }

    /** Envoy's TCP proxy filter, and the name of the tcp chain of a TCP port (istiod's {@code inbound-vip|<port>|tcp|<host>}). */
    static final String TCP_PROXY = "envoy.filters.network.tcp_proxy";

    /**
     * A TCP port of a bound service (Istio's protocol selection, {@link PortProtocol}): a listener
     * with one filter chain, L4 authorization (network RBAC) then a TCP proxy to the service's
     * cluster. No routes: bytes are not parsed.
     */
    private static Listener tcpListener(String host, List<String> vips, int port, String cluster,
            List<io.envoyproxy.envoy.config.listener.v3.Filter> authorization) {
        io.envoyproxy.envoy.config.listener.v3.FilterChain.Builder chain = io.envoyproxy.envoy.config.listener.v3.FilterChain.newBuilder()
                .setName("inbound-vip|" + port + "|tcp|" + host)
                .addAllFilters(authorization)
                .addFilters(io.envoyproxy.envoy.config.listener.v3.Filter.newBuilder().setName(TCP_PROXY)
                        .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.newBuilder()
                                .setStatPrefix(cluster).setCluster(cluster).build())));
        Listener.Builder listener = Listener.newBuilder().setName(host + ":" + port).addFilterChains(chain);
        if (!vips.isEmpty()) {
            listener.setAddress(socket(vips.getFirst(), port));
        }
        return listener.build();
    }

    private static Address socket(String ip, int port) {
        return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(ip).setPortValue(port)).build();
    }

    private static Cluster cluster(String name) {
        return Cluster.newBuilder().setName(name)
                .setType(Cluster.DiscoveryType.EDS)
                .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setServiceName(name)
                        .setEdsConfig(ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())
                                .setResourceApiVersion(ApiVersion.V3)))
                .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(10)) // istiod's default connectTimeout
                .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
                .build();
    }

    private ClusterLoadAssignment endpoints(String name, Service service, int servicePort) {
        LocalityLbEndpoints.Builder locality = LocalityLbEndpoints.newBuilder();
        List<Pod> pods = inputs.pods().stream()
                .filter(p -> ServiceTranslator.selects(service, p))
                .filter(WaypointL7Translator::running)
                .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
                .toList();
        for (Pod pod : pods) {
            for (Port port : ServiceTranslator.portsFor(service, pod).getPortsList()) {
                if (port.getServicePort() == servicePort) {
                    locality.addLbEndpoints(LbEndpoint.newBuilder()
                            .setEndpoint(io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder()
                                    .setAddress(socket(pod.getStatus().getPodIP(), port.getTargetPort())))
                            .setMetadata(endpointIdentity(pod))
                            .setLoadBalancingWeight(UInt32Value.of(1)));
                }
            }
        }
        ClusterLoadAssignment.Builder assignment = ClusterLoadAssignment.newBuilder().setClusterName(name);
        if (locality.getLbEndpointsCount() > 0) {
            // A locality without a weight is ignored by grpc-java's xDS client (gRFC A27); istiod sets it too.
            assignment.addEndpoints(locality.setLoadBalancingWeight(UInt32Value.of(locality.getLbEndpointsCount())));
        }
        return assignment.build();
    }

    /** Where the waypoint finds the identity an endpoint's HBONE server must present ({@code filter_metadata}). */
    public static final String HBONE_METADATA = "ambit.hbone";
    public static final String IDENTITY_FIELD = "identity";

    /**
     * The pod's SPIFFE identity, which the waypoint requires of the endpoint's HBONE handshake.
     * Istio's Envoy checks the service's SAN list (secure naming) instead; one identity per
     * endpoint is stricter and lets a proxyless client ignore it (unknown metadata is ignored).
     */
    private io.envoyproxy.envoy.config.core.v3.Metadata endpointIdentity(Pod pod) {
        String account = pod.getSpec() == null || pod.getSpec().getServiceAccountName() == null
                || pod.getSpec().getServiceAccountName().isEmpty() ? "default" : pod.getSpec().getServiceAccountName();
        String identity = new io.ambit.identity.WorkloadIdentity(inputs.trustDomain(), pod.getMetadata().getNamespace(), account)
                .spiffeId().toString();
        return io.envoyproxy.envoy.config.core.v3.Metadata.newBuilder()
                .putFilterMetadata(HBONE_METADATA, com.google.protobuf.Struct.newBuilder()
                        .putFields(IDENTITY_FIELD, com.google.protobuf.Value.newBuilder().setStringValue(identity).build()).build())
                .build();
    }

    // ---- status ----

    private List<WaypointPolicyStatus> policyStatuses(List<Waypoint> waypoints, WaypointBindings bindings) {
        List<WaypointPolicyStatus> out = new ArrayList<>();
        for (GenericKubernetesResource policy : inputs.authorizationPolicies()) {
            io.ambit.gatewayapi.istio.AuthorizationPolicySpec spec;
            try {
                spec = IstioSpecs.bind(policy.getAdditionalProperties().get("spec"), io.ambit.gatewayapi.istio.AuthorizationPolicySpec.class);
            } catch (IllegalArgumentException e) {
                continue;
            }
            List<io.ambit.gatewayapi.istio.PolicyTargetReference> targets = new ArrayList<>();
            if (spec.targetRef() != null) {
                targets.add(spec.targetRef());
            }
            if (spec.targetRefs() != null) {
                targets.addAll(spec.targetRefs());
            }
            if (targets.isEmpty()) {
                continue;
            }
            String policyNamespace = policy.getMetadata().getNamespace();
            List<String> bound = new ArrayList<>();
            List<String> unbound = new ArrayList<>();
            String reason = "Invalid";
            String message = "not bound";
            for (var target : targets) {
                String namespace = target.namespace() == null || target.namespace().isEmpty() ? policyNamespace : target.namespace();
                String key = namespace + "/" + target.name();
                String group = target.group() == null || target.group().isEmpty() ? "core" : target.group();
                boolean ok = false;
                switch (target.kind() == null ? "" : target.kind()) {
                    case "Gateway" -> {
                        if (waypoints.stream().anyMatch(w -> w.resourceName().equals(key))) {
                            ok = true;
                            reason = "Accepted";
                            message = "bound to " + key;
                        } else {
                            reason = "TargetNotFound";
                            message = "not bound";
                        }
                    }
                    case "Service" -> {
                        Service service = services.get(key);
                        if (service == null) {
                            reason = "TargetNotFound";
                            message = "Service " + key + " was not found";
                        } else {
                            Optional<GatewayAddress> address = bindings.resolve(WaypointBindings.Target.SERVICE, "Service", namespace,
                                    target.name(), Labels.of(service), new ArrayList<>());
                            Optional<Waypoint> waypoint = address.flatMap(a -> waypoints.stream().filter(w -> a.equals(w.address())).findFirst());
                            if (waypoint.isPresent()) {
                                ok = true;
                                reason = "Accepted";
                                message = "bound to " + waypoint.get().resourceName();
                            } else {
                                reason = "AncestorNotBound";
                                message = "Service " + key + " is not bound to a waypoint";
                            }
                        }
                    }
                    default -> {
                        reason = "TargetNotFound";
                        message = "not bound";
                    }
                }
                (ok ? bound : unbound).add(target.kind() + "." + group + ":" + key);
            }
            boolean anyBound = !bound.isEmpty();
            if (targets.size() > 1) {
                reason = anyBound ? (unbound.isEmpty() ? "Accepted" : "PartiallyInvalid") : "Invalid";
                message = unbound.isEmpty() ? "" : "Invalid targetRefs: " + String.join(", ", unbound);
            }
            String name = policy.getMetadata().getName();
            List<String> notEnforced = findings.stream()
                    .filter(f -> f.kind().equals(AuthorizationTranslator.KIND) && f.namespace().equals(policyNamespace) && f.name().equals(name))
                    .map(Finding::message).toList();
            if (!notEnforced.isEmpty()) {
                message = (message.isEmpty() ? "" : message + "; ") + String.join("; ", notEnforced);
            }
            out.add(new WaypointPolicyStatus(policyNamespace, name, anyBound, reason, message));
        }
        return out;
    }

    private List<RouteParentStatus> statuses(List<Waypoint> waypoints) {
        List<RouteParentStatus> out = new ArrayList<>();
        for (ParsedRoute route : routes) {
            for (int i = 0; i < route.parents().size(); i++) {
                ParentReference parent = route.parents().get(i);
                String parentNamespace = parent.namespace() == null ? route.origin().namespace() : parent.namespace();
                boolean acceptedStatus;
                String acceptedReason;
                String acceptedMessage;
                String appliedBy = attached.getOrDefault(route.key(), Map.of()).get(i);
                if (parent.isService()) {
                    Service service = services.get(parentNamespace + "/" + parent.name());
                    if (service == null) {
                        acceptedStatus = false;
                        acceptedReason = "NoMatchingParent";
                        acceptedMessage = "parent not found: Service " + parentNamespace + "/" + parent.name();
                    } else if (parent.port() != null && ServiceTranslator.ports(service).stream().noneMatch(p -> parent.port().equals(p.getPort()))) {
                        acceptedStatus = false;
                        acceptedReason = "NoMatchingParent";
                        acceptedMessage = "Service " + parentNamespace + "/" + parent.name() + " has no port " + parent.port();
                    } else {
                        acceptedStatus = true;
                        acceptedReason = "Accepted";
                        acceptedMessage = appliedBy != null ? "Route was valid, bound to waypoint " + appliedBy
                                : !parentNamespace.equals(route.origin().namespace())
                                        ? "Route was valid; a consumer route (another namespace than the Service's) is not applied by waypoints"
                                        : "Route was valid, but Service " + parentNamespace + "/" + parent.name()
                                                + " is not bound to a waypoint (istio.io/use-waypoint), so nothing applies it";
                    }
                } else if (GatewayApi.GROUP.equals(parent.groupOrDefault()) && "Gateway".equals(parent.kindOrDefault())) {
                    Optional<Waypoint> waypoint = waypoints.stream()
                            .filter(w -> w.namespace().equals(parentNamespace) && w.name().equals(parent.name())).findFirst();
                    if (waypoint.isEmpty()) {
                        acceptedStatus = false;
                        acceptedReason = "NoMatchingParent";
                        acceptedMessage = "parent not found";
                    } else if (!waypoint.get().allowsFrom(inputs, route.origin().namespace())) {
                        acceptedStatus = false;
                        acceptedReason = "NotAllowedByListeners";
                        acceptedMessage = "waypoint " + waypoint.get().resourceName() + " does not allow routes from namespace "
                                + route.origin().namespace();
                    } else {
                        acceptedStatus = true;
                        acceptedReason = "Accepted";
                        acceptedMessage = "Route was valid";
                    }
                } else {
                    acceptedStatus = false;
                    acceptedReason = "NoMatchingParent";
                    acceptedMessage = "unsupported parent " + parent.groupOrDefault() + "/" + parent.kindOrDefault();
                }
                List<RouteProblem> met = problems.getOrDefault(route.key(), Map.of()).getOrDefault(i, List.of());
                if (appliedBy == null) {
                    // not converted for any waypoint: still check the backends, so status says what is wrong
                    met = convert(route, parent.port() == null ? 0 : parent.port()).problems();
                }
                List<RouteProblem> refs = met.stream().filter(RouteProblem::isRefProblem).distinct().toList();
                List<RouteProblem> other = met.stream().filter(p -> !p.isRefProblem()).distinct().toList();
                if (acceptedStatus && !other.isEmpty()) {
                    acceptedMessage = acceptedMessage + "; " + String.join("; ", other.stream().map(RouteProblem::message).toList());
                }
                boolean resolved = refs.isEmpty();
                out.add(new RouteParentStatus(route.origin().kind(), route.origin().namespace(), route.origin().name(), parent,
                        MESH_CONTROLLER, acceptedStatus, acceptedReason, acceptedMessage, resolved,
                        resolved ? "ResolvedRefs" : refs.getFirst().reason(),
                        resolved ? "All references resolved" : String.join("; ", refs.stream().map(RouteProblem::message).toList())));
            }
        }
        return out;
    }
}
