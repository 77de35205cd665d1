package io.ambit.admin.api;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

import io.ambit.admin.explain.Explainer;
import io.ambit.admin.explain.Explanation;
import io.ambit.admin.explain.HttpProbe;
import io.ambit.admin.explain.WaypointListeners;
import io.ambit.admin.mesh.CertificateInfo;
import io.ambit.admin.mesh.MeshReader;
import io.ambit.admin.mesh.MeshSnapshot;
import io.ambit.admin.mesh.ServiceInfo;
import io.ambit.admin.mesh.StoreObject;
import io.ambit.admin.mesh.WorkloadInfo;
import io.ambit.admin.metrics.Scraper;
import io.ambit.admin.metrics.TrafficGraph;
import io.ambit.admin.upstream.AdminProperties;
import io.ambit.admin.upstream.Upstream;
import io.ambit.admin.validate.Validation;
import io.ambit.admin.validate.Validator;
import io.ambit.authz.AuthorizationPolicy;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;

/**
 * The REST admin API, {@code /api/v1}: reads need {@code viewer}, writes {@code admin} (the shared
 * access table of libs/service-support). Upstream reads are blocking HTTP calls, so every handler
 * runs on the bounded elastic scheduler, never on the event loop.
 */
@RestController
@RequestMapping(value = "/api/v1", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "mesh", description = "Ambit's mesh: workloads, services, waypoints, policies, traffic, explainer, validations")
public class AdminApiController {

    static final String WAYPOINT_CLASS = "istio-waypoint";
    private static final Pattern ANY_REFERENCE = Params.REFERENCE;

    private final MeshReader reader;
    private final Scraper scraper;
    private final Upstream upstream;
    private final AdminProperties properties;
    private final WaypointListeners.Lookup waypointListeners;

    public AdminApiController(MeshReader reader, Scraper scraper, Upstream upstream, AdminProperties properties) {
        this.reader = reader;
        this.scraper = scraper;
        this.upstream = upstream;
        this.properties = properties;
        this.waypointListeners = WaypointListeners.from(reader::xds, upstream);
    }

    private static <T> Mono<T> blocking(Callable<T> work) {
        return Mono.fromCallable(work).subscribeOn(Schedulers.boundedElastic());
    }

    @GetMapping("/version")
    @Operation(summary = "admin-ui's version and API version")
    public Mono<Map<String, Object>> version(ServerWebExchange exchange) {
        Params.of(exchange);
        String version = Optional.ofNullable(AdminApiController.class.getPackage().getImplementationVersion()).orElse("0.1.0-SNAPSHOT");
        return Mono.just(Map.of("component", "admin-ui", "version", version, "api", "v1"));
    }

    @GetMapping("/overview")
    @Operation(summary = "Mesh health, counts and warnings: the dashboard's first page")
    public Mono<Map<String, Object>> overview(ServerWebExchange exchange) {
        Params.of(exchange);
        return blocking(() -> {
            MeshSnapshot mesh = reader.current();
            Scraper.Round[] rounds = scraper.rounds();
            List<Validation> validations = Validator.validate(mesh, rounds[0]);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("generation", mesh.generation());
            out.put("readAt", mesh.readAt().toString());
            Map<String, Object> health = new LinkedHashMap<>();
            health.put("xds-server", "UP");
            mesh.ztunnels().forEach((node, state) -> health.put("ztunnel " + node, state));
            if (rounds[0] != null) {
                rounds[0].targets().forEach(t -> health.put("metrics " + t.name(), t.up() ? "UP" : "DOWN"));
            }
            out.put("health", health);
            Map<String, Object> counts = new LinkedHashMap<>();
            counts.put("namespaces", mesh.namespaceNames().size());
            counts.put("workloads", mesh.workloads().size());
            counts.put("captured", mesh.workloads().stream().filter(WorkloadInfo::captured).count());
            counts.put("services", mesh.services().size());
            counts.put("waypoints", waypoints(mesh).size());
            counts.put("policies", mesh.objects("AuthorizationPolicy").size() + mesh.objects("PeerAuthentication").size());
            counts.put("certificates", mesh.certificates().size());
            out.put("counts", counts);
            out.put("warnings", validations.size());
            out.put("errors", validations.stream().filter(v -> v.severity().equals("error")).count());
            out.put("problems", mesh.problems());
            return out;
        });
    }

    @GetMapping("/namespaces")
    @Operation(summary = "Namespaces with their ambient enrolment (istio.io/dataplane-mode) and waypoint")
    public Mono<List<Map<String, Object>>> namespaces(ServerWebExchange exchange) {
        Params.of(exchange);
        return blocking(() -> {
            MeshSnapshot mesh = reader.current();
            List<Map<String, Object>> out = new ArrayList<>();
            for (String name : mesh.namespaceNames()) {
                Optional<StoreObject> object = mesh.object("Namespace", "", name);
                Map<String, Object> ns = new LinkedHashMap<>();
                ns.put("name", name);
                String mode = object.map(o -> o.label("istio.io/dataplane-mode")).orElse(null);
                ns.put("dataplaneMode", mode == null ? "" : mode);
                ns.put("enrolled", "ambient".equals(mode));
                String waypoint = object.map(o -> o.label("istio.io/use-waypoint")).orElse(null);
                ns.put("useWaypoint", waypoint == null ? "" : waypoint);
                ns.put("workloads", mesh.workloads().stream().filter(w -> w.namespace().equals(name)).count());
                ns.put("captured", mesh.workloads().stream().filter(w -> w.namespace().equals(name) && w.captured()).count());
                out.add(ns);
            }
            return out;
        });
    }

    @GetMapping("/workloads")
    @Operation(summary = "Workloads: node, service account, identity, captured or not, waypoint",
            description = "Without size: every matching workload. With size: one page of them, ordered by namespace and name; "
                    + "the header X-Total-Count says how many match. A bad page, size or search is a 400 problem.")
    @Parameter(name = "namespace", in = ParameterIn.QUERY, description = "only this namespace")
    @Parameter(name = "node", in = ParameterIn.QUERY, description = "only this node")
    @Parameter(name = "search", in = ParameterIn.QUERY, description = "case-insensitive text in the namespace, name, node, "
            + "service account, identity, address or waypoint (1-" + ListPage.MAX_SEARCH + " printable characters)")
    @Parameter(name = "page", in = ParameterIn.QUERY, description = "page number, from 1 (default 1; needs size); past the last page is a 400")
    @Parameter(name = "size", in = ParameterIn.QUERY, description = "workloads per page, 1-" + ListPage.MAX_SIZE)
    @io.swagger.v3.oas.annotations.responses.ApiResponse(responseCode = "200", description = "the workloads (one page with size)",
            headers = @io.swagger.v3.oas.annotations.headers.Header(name = ListPage.TOTAL_HEADER,
                    description = "how many workloads match the filters, over all pages",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(type = "integer")))
    public Mono<org.springframework.http.ResponseEntity<List<WorkloadInfo>>> workloads(ServerWebExchange exchange) {
        Params params = Params.of(exchange, "namespace", "node", "search", "page", "size");
        Optional<String> namespace = params.get("namespace", Params.NAME, "a namespace name");
        Optional<String> node = params.get("node", Params.NAME, "a node name");
        ListPage page = ListPage.of(params, "workloads");
        return blocking(() -> {
            List<WorkloadInfo> matching = reader.current().workloads().stream()
                    .filter(w -> namespace.isEmpty() || w.namespace().equals(namespace.get()))
                    .filter(w -> node.isEmpty() || w.node().equals(node.get()))
                    .filter(w -> page.matches(w.namespace(), w.name(), w.node(), w.serviceAccount(), w.identity(), w.waypoint(),
                            String.join(" ", w.addresses()))).toList();
            return org.springframework.http.ResponseEntity.ok().header(ListPage.TOTAL_HEADER, String.valueOf(matching.size()))
                    .body(page.cut(matching, Comparator.comparing(WorkloadInfo::namespace).thenComparing(WorkloadInfo::name)));
        });
    }

    @GetMapping("/workloads/{namespace}/{name}")
    @Operation(summary = "One workload (pod) described: enrolment, identity, waypoint, the L4 policies that apply, its certificate")
    public Mono<Map<String, Object>> workload(@PathVariable String namespace, @PathVariable String name, ServerWebExchange exchange) {
        Params.of(exchange);
        Params.name(namespace, "namespace");
        Params.name(name, "name");
        return blocking(() -> {
            MeshSnapshot mesh = reader.current();
            WorkloadInfo w = mesh.workload(namespace, name)
                    .orElseThrow(() -> new NotFoundException("no workload " + namespace + "/" + name));
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("workload", w);
            out.put("policies", describePolicies(Explainer.applicable(mesh, w)));
            out.put("certificates", mesh.certificates().stream().filter(c -> c.identity().equals(w.identity())).toList());
            return out;
        });
    }

    @GetMapping("/services")
    @Operation(summary = "Services: VIPs, ports, waypoint, endpoints; node: those with an endpoint on that node (its ztunnel serves them inbound)")
    public Mono<List<ServiceInfo>> services(ServerWebExchange exchange) {
        Params params = Params.of(exchange, "namespace", "node");
        Optional<String> namespace = params.get("namespace", Params.NAME, "a namespace name");
        Optional<String> node = params.get("node", Params.NAME, "a node name");
        return blocking(() -> {
            MeshSnapshot mesh = reader.current();
            Optional<java.util.Set<String>> onNode = node.map(n -> workloadsOn(mesh, n).stream().map(WorkloadInfo::uid)
                    .collect(java.util.stream.Collectors.toSet()));
            return mesh.services().stream()
                    .filter(s -> namespace.isEmpty() || s.namespace().equals(namespace.get()))
                    .filter(s -> onNode.isEmpty() || s.endpoints().stream().anyMatch(onNode.get()::contains)).toList();
        });
    }

    /** The workloads on a node; a node the mesh does not know is a 404 naming the known ones (never a silent empty list). */
    static List<WorkloadInfo> workloadsOn(MeshSnapshot mesh, String node) {
        java.util.TreeSet<String> known = new java.util.TreeSet<>(mesh.ztunnels().keySet());
        mesh.workloads().forEach(w -> known.add(w.node()));
        known.remove("");
        if (!known.contains(node)) {
            throw new NotFoundException("no node " + node + " in the mesh; known nodes: " + String.join(", ", known));
        }
        return mesh.workloads().stream().filter(w -> w.node().equals(node)).toList();
    }

    @GetMapping("/services/{namespace}/{name}")
    @Operation(summary = "One service described: waypoint, endpoints, routes and policies that name it")
    public Mono<Map<String, Object>> service(@PathVariable String namespace, @PathVariable String name, ServerWebExchange exchange) {
        Params.of(exchange);
        Params.name(namespace, "namespace");
        Params.name(name, "name");
        return blocking(() -> {
            MeshSnapshot mesh = reader.current();
            ServiceInfo s = mesh.service(namespace, name).orElseThrow(() -> new NotFoundException("no service " + namespace + "/" + name));
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("service", s);
            out.put("endpoints", s.endpoints().stream().map(mesh::workloadByUid).flatMap(Optional::stream).toList());
            out.put("routes", routes(mesh).stream().filter(r -> r.get("parents").toString().contains(name)).toList());
            out.put("policies", mesh.objects("AuthorizationPolicy").stream().filter(p -> targets(p, "Service", name))
                    .map(p -> p.key()).toList());
            return out;
        });
    }

    @GetMapping("/waypoints")
    @Operation(summary = "Waypoints (Gateways of class istio-waypoint): what they serve, their status and routes")
    public Mono<List<Map<String, Object>>> waypointList(ServerWebExchange exchange) {
        Params.of(exchange);
        return blocking(() -> waypoints(reader.current()));
    }

    @GetMapping("/routes")
    @Operation(summary = "HTTPRoutes and GRPCRoutes with their status (Accepted, ResolvedRefs)")
    public Mono<List<Map<String, Object>>> routeList(ServerWebExchange exchange) {
        Params.of(exchange);
        return blocking(() -> routes(reader.current()));
    }

    @GetMapping("/policies")
    @Operation(summary = "AuthorizationPolicies and PeerAuthentications: as written, as translated for the ztunnels (L4), L7 part, warnings; "
            + "node: those whose L4 translation that node's ztunnel applies to one of its workloads",
            description = "Without size: every matching policy. With size: one page of them, ordered by namespace, name and kind; "
                    + "the header X-Total-Count says how many match. A bad page, size or search is a 400 problem.")
    @Parameter(name = "namespace", in = ParameterIn.QUERY, description = "only this namespace")
    @Parameter(name = "node", in = ParameterIn.QUERY, description = "only those the node's ztunnel applies")
    @Parameter(name = "search", in = ParameterIn.QUERY, description = "case-insensitive text in the kind, namespace, name or layer "
            + "(1-" + ListPage.MAX_SEARCH + " printable characters)")
    @Parameter(name = "page", in = ParameterIn.QUERY, description = "page number, from 1 (default 1; needs size); past the last page is a 400")
    @Parameter(name = "size", in = ParameterIn.QUERY, description = "policies per page, 1-" + ListPage.MAX_SIZE)
    @io.swagger.v3.oas.annotations.responses.ApiResponse(responseCode = "200", description = "the policies (one page with size)",
            headers = @io.swagger.v3.oas.annotations.headers.Header(name = ListPage.TOTAL_HEADER,
                    description = "how many policies match the filters, over all pages",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(type = "integer")))
    public Mono<org.springframework.http.ResponseEntity<List<Map<String, Object>>>> policies(ServerWebExchange exchange) {
        Params params = Params.of(exchange, "namespace", "node", "search", "page", "size");
        Optional<String> namespace = params.get("namespace", Params.NAME, "a namespace name");
        Optional<String> node = params.get("node", Params.NAME, "a node name");
        ListPage page = ListPage.of(params, "policies");
        return blocking(() -> {
            MeshSnapshot mesh = reader.current();
            // what the node's ztunnel enforces: the policies it gathers for each of its workloads, as it gathers them
            Optional<java.util.Set<String>> enforced = node.map(n -> workloadsOn(mesh, n).stream()
                    .flatMap(w -> Explainer.applicable(mesh, w).stream()).map(io.ambit.authz.AuthorizationPolicy::key)
                    .collect(java.util.stream.Collectors.toSet()));
            List<Map<String, Object>> out = new ArrayList<>();
            for (String kind : List.of("AuthorizationPolicy", "PeerAuthentication")) {
                for (StoreObject o : mesh.objects(kind)) {
                    boolean l7 = o.spec().has("targetRef") || o.spec().has("targetRefs");
                    String layer = kind.equals("PeerAuthentication") ? "L4" : l7 ? "L7 (waypoint)" : "L4 (ztunnel)";
                    if (namespace.isPresent() && !o.namespace().equals(namespace.get()) || !page.matches(kind, o.namespace(), o.name(), layer)) {
                        continue;
                    }
                    Map<String, Object> p = new LinkedHashMap<>();
                    p.put("kind", kind);
                    p.put("namespace", o.namespace());
                    p.put("name", o.name());
                    p.put("source", o.source() + ":" + o.line());
                    p.put("written", o.spec());
                    p.put("layer", layer);
                    List<String> translated = mesh.translated().keySet().stream()
                            .filter(k -> k.equals(o.key()) || k.startsWith(o.namespace() + "/") && k.contains(o.name())).toList();
                    if (enforced.isPresent() && translated.stream().noneMatch(enforced.get()::contains)) {
                        continue;
                    }
                    p.put("translated", translated.stream().map(k -> Map.of("name", k,
                            "l4", io.ambit.admin.api.ProtoPrint.json(mesh.translated().get(k)))).toList());
                    p.put("warnings", mesh.findings().stream().filter(f -> f.contains(o.namespace() + "/" + o.name())).toList());
                    out.add(p);
                }
            }
            return org.springframework.http.ResponseEntity.ok().header(ListPage.TOTAL_HEADER, String.valueOf(out.size()))
                    .body(page.cut(out, Comparator.<Map<String, Object>, String>comparing(p -> (String) p.get("namespace"))
                            .thenComparing(p -> (String) p.get("name")).thenComparing(p -> (String) p.get("kind"))));
        });
    }

    @GetMapping("/certificates")
    @Operation(summary = "Each identity's certificate as the ztunnels hold it: serial, validity, issuer (never keys)",
            description = "Without size: every matching certificate. With size: one page of them, ordered by identity and node; "
                    + "the header X-Total-Count says how many match. A bad page, size or search is a 400 problem.")
    @Parameter(name = "node", in = ParameterIn.QUERY, description = "only this node's ztunnel's")
    @Parameter(name = "search", in = ParameterIn.QUERY, description = "case-insensitive text in the identity, node, state, serial number "
            + "or issuer (1-" + ListPage.MAX_SEARCH + " printable characters)")
    @Parameter(name = "page", in = ParameterIn.QUERY, description = "page number, from 1 (default 1; needs size); past the last page is a 400")
    @Parameter(name = "size", in = ParameterIn.QUERY, description = "certificates per page, 1-" + ListPage.MAX_SIZE)
    @io.swagger.v3.oas.annotations.responses.ApiResponse(responseCode = "200", description = "the certificates (one page with size)",
            headers = @io.swagger.v3.oas.annotations.headers.Header(name = ListPage.TOTAL_HEADER,
                    description = "how many certificates match the filters, over all pages",
                    schema = @io.swagger.v3.oas.annotations.media.Schema(type = "integer")))
    public Mono<org.springframework.http.ResponseEntity<List<CertificateInfo>>> certificates(ServerWebExchange exchange) {
        Params params = Params.of(exchange, "node", "search", "page", "size");
        Optional<String> node = params.get("node", Params.NAME, "a node name");
        ListPage page = ListPage.of(params, "certificates");
        return blocking(() -> {
            List<CertificateInfo> matching = reader.current().certificates().stream().filter(c -> node.isEmpty() || c.node().equals(node.get()))
                    .filter(c -> page.matches(c.identity(), c.node(), c.state(), c.serialNumber(), c.issuer())).toList();
            return org.springframework.http.ResponseEntity.ok().header(ListPage.TOTAL_HEADER, String.valueOf(matching.size()))
                    .body(page.cut(matching, Comparator.comparing(CertificateInfo::identity).thenComparing(CertificateInfo::node)));
        });
    }

    @GetMapping("/graph")
    @Operation(summary = "The traffic graph: nodes and edges with request rate, error rate, bytes and mTLS share from the proxies' metrics")
    public Mono<TrafficGraph.Graph> graph(ServerWebExchange exchange) {
        Params.of(exchange);
        return blocking(() -> {
            MeshSnapshot mesh = reader.current();
            Scraper.Round[] rounds = scraper.rounds();
            Scraper.Round current = rounds[0] == null ? scraper.scrape() : rounds[0];
            return TrafficGraph.build(mesh, current, rounds[0] == null ? null : rounds[1]);
        });
    }

    @GetMapping("/explain")
    @Operation(summary = "Can FROM reach TO on PORT: the path and which policy decides at each hop, by the proxies' own evaluators "
            + "(ztunnel's L4, the waypoint's RBAC for one HTTP request)")
    @io.swagger.v3.oas.annotations.Parameters({
            @Parameter(name = "from", in = ParameterIn.QUERY, required = true, description = "namespace/pod or a pod IP"),
            @Parameter(name = "to", in = ParameterIn.QUERY, required = true, description = "namespace/service, namespace/pod, or an IP"),
            @Parameter(name = "port", in = ParameterIn.QUERY, required = true, description = "destination port (the service port for a service)"),
            @Parameter(name = "method", in = ParameterIn.QUERY, description = "HTTP method a waypoint decides on (default GET)"),
            @Parameter(name = "path", in = ParameterIn.QUERY, description = "HTTP path, with query, a waypoint decides on (default /)"),
            @Parameter(name = "header", in = ParameterIn.QUERY, description = "name:value, repeatable (at most "
                    + HttpRequestParams.MAX_HEADERS + ")")})
    public Mono<Explanation> explain(ServerWebExchange exchange) {
        Params params = Params.of(exchange, java.util.Set.of("header"), "from", "to", "port", "method", "path", "header");
        String source = params.required("from", ANY_REFERENCE, "namespace/name or an IP");
        String destination = params.required("to", ANY_REFERENCE, "namespace/name or an IP");
        int p = params.port("port");
        HttpProbe request = HttpRequestParams.probe(params);
        return blocking(() -> Explainer.explain(reader.current(), source, destination, p, request, waypointListeners));
    }

    @GetMapping("/validations")
    @Operation(summary = "Cross-object validations (Kiali-style) and the xds-server's translation findings")
    public Mono<List<Validation>> validations(ServerWebExchange exchange) {
        Params.of(exchange);
        return blocking(() -> Validator.validate(reader.current(), scraper.rounds()[0]));
    }

    @PostMapping(value = "/apply", consumes = {"application/yaml", "text/plain"})
    @Operation(summary = "Create or replace the objects of a Kubernetes YAML (all or nothing); admin")
    public Mono<JsonNode> apply(@RequestBody String yaml, ServerWebExchange exchange) {
        Params params = Params.of(exchange, "source");
        String source = params.get("source", Pattern.compile("[A-Za-z0-9._-]{1,128}"), "a file name").orElse("admin-api");
        String token = callerToken(exchange);
        return blocking(() -> write("/store/apply?source=" + source, yaml, token));
    }

    @PostMapping(value = "/delete", consumes = {"application/yaml", "text/plain"})
    @Operation(summary = "Delete the objects a Kubernetes YAML names; admin")
    public Mono<JsonNode> delete(@RequestBody String yaml, ServerWebExchange exchange) {
        Params params = Params.of(exchange, "source");
        String source = params.get("source", Pattern.compile("[A-Za-z0-9._-]{1,128}"), "a file name").orElse("admin-api");
        String token = callerToken(exchange);
        return blocking(() -> write("/store/delete?source=" + source, yaml, token));
    }

    /** The store applies it with the caller's own token; then the next read shows the change. */
    private JsonNode write(String path, String yaml, String token) {
        String answer = upstream.post("xds-server", reader.xds(path), "application/yaml", yaml, token);
        reader.refresh();
        return Upstream.JSON.readTree(answer);
    }

    /** The bearer token Spring Security already checked (an admin's): forwarded, never stored. */
    private static String callerToken(ServerWebExchange exchange) {
        String header = exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new BadRequestException("Authorization", "a write is forwarded with the caller's bearer token, and there is none");
        }
        return header.substring(7).strip();
    }

    static List<Map<String, Object>> waypoints(MeshSnapshot mesh) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (StoreObject g : mesh.objects("Gateway")) {
            if (!WAYPOINT_CLASS.equals(g.spec().path("gatewayClassName").asString(""))) {
                continue;
            }
            Map<String, Object> w = new LinkedHashMap<>();
            w.put("namespace", g.namespace());
            w.put("name", g.name());
            String forWhat = g.label("istio.io/waypoint-for");
            w.put("waypointFor", forWhat == null ? "service" : forWhat);
            w.put("programmed", condition(mesh, "Gateway", g.namespace(), g.name(), "Programmed"));
            w.put("services", mesh.services().stream().filter(s -> g.key().equals(s.waypoint())).map(s -> s.namespace() + "/" + s.name()).toList());
            w.put("workloads", mesh.workloads().stream().filter(x -> g.key().equals(x.waypoint())).map(WorkloadInfo::key).toList());
            w.put("pods", mesh.workloads().stream().filter(x -> x.namespace().equals(g.namespace()) && x.workloadName().equals(g.name()))
                    .map(WorkloadInfo::key).toList());
            w.put("routes", routes(mesh).stream().filter(r -> r.get("namespace").equals(g.namespace())).map(r -> r.get("namespace") + "/" + r.get("name")).toList());
            out.add(w);
        }
        return out;
    }

    static List<Map<String, Object>> routes(MeshSnapshot mesh) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String kind : List.of("HTTPRoute", "GRPCRoute")) {
            for (StoreObject r : mesh.objects(kind)) {
                Map<String, Object> route = new LinkedHashMap<>();
                route.put("kind", kind);
                route.put("namespace", r.namespace());
                route.put("name", r.name());
                List<String> parents = new ArrayList<>();
                r.spec().path("parentRefs").forEach(p -> parents.add(p.path("kind").asString("Gateway") + " " + p.path("name").asString("")));
                route.put("parents", parents);
                List<String> backends = new ArrayList<>();
                r.spec().path("rules").forEach(rule -> rule.path("backendRefs").forEach(b -> backends.add(
                        b.path("name").asString("") + (b.has("port") ? ":" + b.path("port").asInt() : "")
                                + (b.has("weight") ? " (weight " + b.path("weight").asInt() + ")" : ""))));
                route.put("backends", backends);
                route.put("accepted", condition(mesh, kind, r.namespace(), r.name(), "Accepted"));
                route.put("resolvedRefs", condition(mesh, kind, r.namespace(), r.name(), "ResolvedRefs"));
                out.add(route);
            }
        }
        return out;
    }

    /** A condition's status ({@code True}/{@code False}/{@code Unknown}) from the xds-server's status view; for routes, any parent's. */
    private static String condition(MeshSnapshot mesh, String kind, String namespace, String name, String type) {
        for (JsonNode status : mesh.statuses()) {
            if (!status.path("kind").asString("").equals(kind) || !status.path("namespace").asString("").equals(namespace)
                    || !status.path("name").asString("").equals(name)) {
                continue;
            }
            List<JsonNode> conditions = new ArrayList<>();
            status.path("conditions").forEach(conditions::add);
            status.path("parents").forEach(parent -> parent.path("conditions").forEach(conditions::add));
            for (JsonNode c : conditions) {
                if (c.path("type").asString("").equals(type)) {
                    return c.path("status").asString("Unknown") + (c.has("reason") ? " (" + c.path("reason").asString() + ")" : "");
                }
            }
        }
        return "Unknown";
    }

    private static boolean targets(StoreObject policy, String kind, String name) {
        List<JsonNode> refs = new ArrayList<>();
        if (policy.spec().has("targetRef")) {
            refs.add(policy.spec().path("targetRef"));
        }
        policy.spec().path("targetRefs").forEach(refs::add);
        return refs.stream().anyMatch(r -> r.path("kind").asString("").equals(kind) && r.path("name").asString("").equals(name));
    }

    private static List<Map<String, Object>> describePolicies(List<AuthorizationPolicy> policies) {
        return policies.stream().map(p -> Map.<String, Object>of("name", p.key(), "action", p.action().name(), "scope", p.scope().name(),
                "dryRun", p.dryRun(), "rules", p.rules().size())).toList();
    }
}
