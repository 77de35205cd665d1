package io.ambit.admin;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.ambit.proto.security.Action;
import io.ambit.proto.security.Authorization;
import io.ambit.proto.security.Clause;
import io.ambit.proto.security.Match;
import io.ambit.proto.security.Rule;
import io.ambit.proto.security.Scope;
import io.ambit.proto.security.StringMatch;
import io.ambit.proto.workload.Address;
import io.ambit.proto.workload.NetworkAddress;
import io.ambit.proto.workload.Port;
import io.ambit.proto.workload.PortList;
import io.ambit.proto.workload.Service;
import io.ambit.proto.workload.TunnelProtocol;
import io.ambit.proto.workload.Workload;
import io.ambit.service.TestTokens;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.json.JsonMapper;

/**
 * The upstreams admin-ui reads, on loopback port 0, for tests without the lab: the xds-server's
 * HTTP API (its debug views print the translated protos exactly as {@code DebugController} does,
 * with {@link JsonFormat}; its store keeps applied objects, checking the bearer token as the real
 * one does: viewer reads, admin writes), and one ztunnel's admin page and Prometheus page, the
 * latter a real Micrometer registry with Istio's TCP series. The real thing end to end is the
 * lab's admin-ui test.
 *
 * <p>The demo: namespace {@code demo} enrolled; {@code sleep-1} (node-a, captured, sa sleep),
 * {@code legacy-1} (node-a, not captured), {@code echo-1} (node-b, serves Service {@code echo}
 * 80→8080); L4 policy {@code demo/allow-sleep} allows only sleep's identity into demo.
 */
public final class StandInMesh implements AutoCloseable {

    /** The echo identity's certificate as the stand-in ztunnel holds it: valid for 24 h from an hour ago. */
    static final io.ambit.testkit.IssuedCertificate ECHO_CERTIFICATE = io.ambit.testkit.TestCa.newRoot("cluster.local")
            .leaf("spiffe://cluster.local/ns/demo/sa/echo")
            .validity(java.time.Instant.now().minus(java.time.Duration.ofHours(1)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
                    java.time.Instant.now().plus(java.time.Duration.ofHours(23)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
            .issue();
    /** Its serial number as ztunnel prints it (decimal). */
    static final String ECHO_SERIAL = ECHO_CERTIFICATE.certificate().getSerialNumber().toString();
    /** A config dump in Istio ztunnel's shape (its admin.rs CertsDump), with one available and one pending identity. */
    static final String ECHO_DUMP = """
            {"workloads":[],"services":[],"policies":[],"certificates":[
             {"identity":"spiffe://cluster.local/ns/demo/sa/echo","state":"Available",
              "certChain":[{"pem":"%s","serialNumber":"%s","validFrom":"%s","expirationTime":"%s"}],"rootCerts":[]},
             {"identity":"spiffe://cluster.local/ns/demo/sa/late","state":"Initializing","certChain":[],"rootCerts":[]}],
             "generation":3,"capture":{"enabled":false,"pods":[],"waiting":{}}}""".formatted(
            java.util.Base64.getEncoder().encodeToString(pem(ECHO_CERTIFICATE.certificate()).getBytes(StandardCharsets.US_ASCII)),
            ECHO_SERIAL, ECHO_CERTIFICATE.certificate().getNotBefore().toInstant(),
            ECHO_CERTIFICATE.certificate().getNotAfter().toInstant());

    private static String pem(java.security.cert.X509Certificate certificate) {
        try {
            return "-----BEGIN CERTIFICATE-----\n" + java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(certificate.getEncoded()) + "\n-----END CERTIFICATE-----\n";
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }


    static final String SLEEP_IP = "10.244.1.10";
    static final String LEGACY_IP = "10.244.1.11";
    static final String ECHO_IP = "10.244.2.10";
    static final String ECHO_VIP = "10.96.0.20";

    private static final JsonFormat.Printer PROTO = JsonFormat.printer().omittingInsignificantWhitespace();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpServer server;
    private final List<Map<String, Object>> objects = new CopyOnWriteArrayList<>();
    private final List<Address> addresses = new CopyOnWriteArrayList<>();
    private final List<Authorization> authorizations = new CopyOnWriteArrayList<>();
    /** What the ztunnel on node-b reported, in a real Micrometer registry. */
    public final PrometheusMeterRegistry ztunnelMetrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    public final List<String> writeTokens = new CopyOnWriteArrayList<>();

    public StandInMesh() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
        demo();
    }

    private static StandInMesh shared;

    /** The waypoint's Envoy listeners, served as the xds-server's {@code /debug/xds/waypoints} serves them. */
    private final List<io.envoyproxy.envoy.config.listener.v3.Listener> waypointListeners = new CopyOnWriteArrayList<>();
    private final List<com.google.protobuf.Message> waypointRoutes = new CopyOnWriteArrayList<>();
    private final List<com.google.protobuf.Message> waypointEndpoints = new CopyOnWriteArrayList<>();

    static final String SHOP_IP = "10.244.2.30";
    static final String SHOP_VIP = "10.96.0.30";
    static final String WAYPOINT_IP = "10.244.1.20";
    static final String WAYPOINT_VIP = "10.96.0.40";
    static final String SHOP_V2_IP = "10.244.2.31";
    static final String SHOP_V2_VIP = "10.96.0.31";

    /**
     * A second stand-in with a waypoint: namespace {@code shop} with Service {@code shop} (80→8080,
     * pod {@code shop-1} on node-b) bound to waypoint {@code shop/waypoint} (pod {@code waypoint-1}),
     * whose listener for {@code shop.shop.svc.cluster.local:80} carries RBAC filters in istiod's
     * shape: DENY {@code deny-admin} (path prefix /admin) and {@code deny-debug} (header x-debug: 1),
     * then ALLOW {@code allow-sleep-get} (GET from demo's sleep identity).
     */
    public static StandInMesh withWaypoint() throws IOException {
        StandInMesh mesh = new StandInMesh();
        mesh.waypointDemo();
        return mesh;
    }

    /**
     * A stand-in at scale: the demo plus {@code count} more pods in ten namespaces ({@code scale-0}…),
     * one Deployment per pod, spread over three nodes; each tenth pod also backs a Service; and each
     * pod has called one service (one observed flow each, every third in plain text).
     */
    public static StandInMesh atScale(int count) throws IOException {
        StandInMesh mesh = new StandInMesh();
        for (int i = 0; i < count; i++) {
            String ns = "scale-" + (i % 10);
            String name = "app-" + i;
            String ip = "10.245." + (i / 250) + "." + (i % 250 + 1);
            String host = "svc-" + (i / 10) + "." + ns + ".svc.cluster.local";
            Map<String, PortList> served = i % 10 == 0
                    ? Map.of(ns + "/" + host, PortList.newBuilder().addPorts(Port.newBuilder().setServicePort(80).setTargetPort(8080)).build())
                    : Map.of();
            mesh.addresses.add(workload(ns, name + "-0", name, name, "node-" + (char) ('a' + i % 3), ip, true, served));
            if (i % 10 == 0) {
                mesh.addresses.add(Address.newBuilder().setService(Service.newBuilder().setName("svc-" + (i / 10)).setNamespace(ns)
                        .setHostname(host).addAddresses(NetworkAddress.newBuilder().setAddress(ip("10.97." + (i / 250) + "." + (i % 250 + 1))))
                        .addPorts(Port.newBuilder().setServicePort(80).setTargetPort(8080))).build());
            }
        }
        for (int n = 0; n < 10; n++) {
            mesh.objects.add(object("v1", "Namespace", "", "scale-" + n, Map.of("istio.io/dataplane-mode", "ambient"), null));
        }
        for (int i = 0; i < count; i++) {
            String ns = "scale-" + (i % 10);
            int target = (i * 7 + 10) % count / 10 * 10; // a pod that backs a service
            String targetNs = "scale-" + (target % 10);
            mesh.flow(ns, "app-" + i, targetNs, "app-" + target, "svc-" + (target / 10) + "." + targetNs + ".svc.cluster.local", i % 3 != 0);
        }
        return mesh;
    }

    private void flow(String namespace, String workload, String destinationNamespace, String destination, String service, boolean mtls) {
        String[] t = List.of("reporter", "destination", "source_workload", workload, "source_workload_namespace", namespace,
                "source_principal", mtls ? "spiffe://cluster.local/ns/" + namespace + "/sa/" + workload : "unknown",
                "destination_workload", destination, "destination_workload_namespace", destinationNamespace,
                "destination_service", service, "destination_service_name", service.split("\\.")[0],
                "destination_service_namespace", destinationNamespace, "request_protocol", "tcp", "response_flags", "-",
                "connection_security_policy", mtls ? "mutual_tls" : "unknown").toArray(String[]::new);
        Counter.builder("istio_tcp_connections_opened").tags(t).register(ztunnelMetrics).increment(2);
        Counter.builder("istio_tcp_received_bytes").tags(t).register(ztunnelMetrics).increment(100);
        Counter.builder("istio_tcp_sent_bytes").tags(t).register(ztunnelMetrics).increment(100);
    }

    private void waypointDemo() {
        String shop = "shop/shop.shop.svc.cluster.local";
        // as the lab deploys it: a pod with no owner name of its own, found as the endpoint of the Service named as its Gateway
        addresses.add(workload("shop", "waypoint-1", "waypoint-1", "waypoint", "node-a", WAYPOINT_IP, false,
                Map.of("shop/waypoint.shop.svc.cluster.local", PortList.newBuilder().addPorts(Port.newBuilder().setServicePort(15008)
                        .setTargetPort(15008)).build())));
        addresses.add(workload("shop", "shop-1", "shop", "shop", "node-b", SHOP_IP, true,
                Map.of(shop, PortList.newBuilder().addPorts(Port.newBuilder().setServicePort(80).setTargetPort(8080)).build())));
        addresses.add(Address.newBuilder().setService(Service.newBuilder().setName("waypoint").setNamespace("shop")
                .setHostname("waypoint.shop.svc.cluster.local").addAddresses(NetworkAddress.newBuilder().setAddress(ip(WAYPOINT_VIP)))
                .addPorts(Port.newBuilder().setServicePort(15008).setTargetPort(15008))).build());
        addresses.add(Address.newBuilder().setService(Service.newBuilder().setName("shop").setNamespace("shop")
                .setHostname("shop.shop.svc.cluster.local").addAddresses(NetworkAddress.newBuilder().setAddress(ip(SHOP_VIP)))
                .addPorts(Port.newBuilder().setServicePort(80).setTargetPort(8080))
                .setWaypoint(io.ambit.proto.workload.GatewayAddress.newBuilder()
                        .setAddress(NetworkAddress.newBuilder().setAddress(ip(WAYPOINT_VIP))).setHboneMtlsPort(15008))).build());
        objects.add(object("v1", "Namespace", "", "shop", Map.of("istio.io/dataplane-mode", "ambient", "istio.io/use-waypoint", "waypoint"), null));
        objects.add(object("gateway.networking.k8s.io/v1", "Gateway", "shop", "waypoint", Map.of(), Map.of("gatewayClassName", "istio-waypoint")));
        waypointListeners.add(WaypointRbacShapes.listener("shop.shop.svc.cluster.local", SHOP_VIP, 80));
        // shop-v2: a second version whose pod has its own waypoint (workload-addressed traffic goes through it)
        String v2 = "shop/" + WaypointRouteShapes.SHOP_V2;
        addresses.add(Address.newBuilder().setWorkload(workload("shop", "shop-v2-1", "shop-v2", "shop", "node-b", SHOP_V2_IP, true,
                Map.of(v2, PortList.newBuilder().addPorts(Port.newBuilder().setServicePort(80).setTargetPort(8080)).build())).getWorkload()
                .toBuilder().setWaypoint(io.ambit.proto.workload.GatewayAddress.newBuilder()
                        .setAddress(NetworkAddress.newBuilder().setAddress(ip(WAYPOINT_VIP))).setHboneMtlsPort(15008))).build());
        addresses.add(Address.newBuilder().setService(Service.newBuilder().setName("shop-v2").setNamespace("shop")
                .setHostname(WaypointRouteShapes.SHOP_V2).addAddresses(NetworkAddress.newBuilder().setAddress(ip(SHOP_V2_VIP)))
                .addPorts(Port.newBuilder().setServicePort(80).setTargetPort(8080))
                .setWaypoint(io.ambit.proto.workload.GatewayAddress.newBuilder()
                        .setAddress(NetworkAddress.newBuilder().setAddress(ip(WAYPOINT_VIP))).setHboneMtlsPort(15008))).build());
        objects.add(object("gateway.networking.k8s.io/v1", "HTTPRoute", "shop", "split", Map.of(),
                Map.of("parentRefs", List.of(Map.of("group", "", "kind", "Service", "name", "shop")))));
        waypointListeners.add(WaypointRbacShapes.listener(WaypointRouteShapes.SHOP_V2, SHOP_V2_VIP, 80));
        waypointRoutes.addAll(WaypointRouteShapes.routes(SHOP_VIP, SHOP_V2_VIP));
        waypointEndpoints.add(WaypointRouteShapes.endpoints(WaypointRouteShapes.SHOP, 80, SHOP_IP, 8080));
        waypointEndpoints.add(WaypointRouteShapes.endpoints(WaypointRouteShapes.SHOP_V2, 80, SHOP_V2_IP, 8080));
        // db: a TCP port (5432, no HTTP protocol) bound to the same waypoint: network RBAC only there
        String db = "db.shop.svc.cluster.local";
        addresses.add(workload("shop", "db-1", "db", "db", "node-b", DB_IP, true,
                Map.of("shop/" + db, PortList.newBuilder().addPorts(Port.newBuilder().setServicePort(5432).setTargetPort(5432)).build())));
        addresses.add(Address.newBuilder().setService(Service.newBuilder().setName("db").setNamespace("shop")
                .setHostname(db).addAddresses(NetworkAddress.newBuilder().setAddress(ip(DB_VIP)))
                .addPorts(Port.newBuilder().setServicePort(5432).setTargetPort(5432))
                .setWaypoint(io.ambit.proto.workload.GatewayAddress.newBuilder()
                        .setAddress(NetworkAddress.newBuilder().setAddress(ip(WAYPOINT_VIP))).setHboneMtlsPort(15008))).build());
        waypointListeners.add(WaypointRbacShapes.tcpListener(db, DB_VIP, 5432));
        waypointEndpoints.add(WaypointRouteShapes.endpoints(db, 5432, DB_IP, 5432));
    }

    static final String DB_IP = "10.244.2.40";
    static final String DB_VIP = "10.96.0.41";

    private static String printed(List<com.google.protobuf.Message> messages) throws IOException {
        List<String> out = new ArrayList<>();
        for (var m : messages) {
            out.add(WaypointRbacShapes.ENVOY_JSON.print(m));
        }
        return "[" + String.join(",", out) + "]";
    }

    /** One per test JVM: Spring caches contexts across test classes, and they point at it. */
    public static synchronized StandInMesh shared() {
        if (shared == null) {
            try {
                shared = new StandInMesh();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return shared;
    }

    /** admin-ui's properties pointing at it, with a short refresh so tests see changes quickly. */
    public static void register(org.springframework.test.context.DynamicPropertyRegistry registry) {
        StandInMesh mesh = shared();
        registry.add("ambit.admin.xds-url", mesh::url);
        registry.add("ambit.admin.ztunnels[0].node", () -> "node-b");
        registry.add("ambit.admin.ztunnels[0].admin-url", mesh::url);
        registry.add("ambit.admin.ztunnels[0].metrics-url", () -> mesh.url() + "/actuator/prometheus");
        registry.add("ambit.admin.scrape-targets", () -> "");
        registry.add("ambit.admin.refresh", () -> "300ms");
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void demo() {
        String svc = "demo/echo.demo.svc.cluster.local";
        addresses.add(workload("sleep-1", "sleep", "sleep", "node-a", SLEEP_IP, true, Map.of()));
        addresses.add(workload("legacy-1", "legacy", "legacy", "node-a", LEGACY_IP, false, Map.of()));
        addresses.add(workload("echo-1", "echo", "echo", "node-b", ECHO_IP, true,
                Map.of(svc, PortList.newBuilder().addPorts(Port.newBuilder().setServicePort(80).setTargetPort(8080)).build())));
        addresses.add(Address.newBuilder().setService(Service.newBuilder().setName("echo").setNamespace("demo")
                .setHostname("echo.demo.svc.cluster.local")
                .addAddresses(NetworkAddress.newBuilder().setAddress(ip(ECHO_VIP)))
                .addPorts(Port.newBuilder().setServicePort(80).setTargetPort(8080))).build());
        authorizations.add(Authorization.newBuilder().setName("allow-sleep").setNamespace("demo").setScope(Scope.NAMESPACE)
                .setAction(Action.ALLOW).addRules(Rule.newBuilder().addClauses(Clause.newBuilder().addMatches(
                        Match.newBuilder().addPrincipals(StringMatch.newBuilder().setExact("cluster.local/ns/demo/sa/sleep")))))
                .build());
        objects.add(object("v1", "Namespace", "", "demo", Map.of("istio.io/dataplane-mode", "ambient"), null));
        objects.add(object("v1", "Namespace", "", "istio-system", Map.of(), null));
        objects.add(object("v1", "Service", "demo", "echo", Map.of(), Map.of("ports", List.of(Map.of("port", 80)))));
        objects.add(object("v1", "Service", "demo", "web", Map.of("istio.io/use-waypoint", "missing-wp"), Map.of()));
        objects.add(object("security.istio.io/v1", "AuthorizationPolicy", "demo", "allow-sleep", Map.of(), Map.of("action", "ALLOW",
                "rules", List.of(Map.of("from", List.of(Map.of("source", Map.of("principals", List.of("cluster.local/ns/demo/sa/sleep")))))))));
        objects.add(object("security.istio.io/v1", "AuthorizationPolicy", "demo", "typo", Map.of(), Map.of("action", "ALLOW",
                "rules", List.of(Map.of("from", List.of(Map.of("source", Map.of(
                        "principals", List.of("cluster.local/ns/demo/sa/slep"), "namespaces", List.of("nope")))))))));
        objects.add(object("gateway.networking.k8s.io/v1", "HTTPRoute", "demo", "to-nowhere", Map.of(), Map.of(
                "parentRefs", List.of(Map.of("kind", "Service", "group", "", "name", "echo")),
                "rules", List.of(Map.of("backendRefs", List.of(Map.of("name", "ghost", "port", 80)))))));
    }

    /** Adds (or replaces) an object in the stand-in store, as a controller writing it would. */
    public void put(Map<String, Object> object) {
        remove((String) object.get("kind"), (String) ((Map<?, ?>) object.get("metadata")).get("namespace"),
                (String) ((Map<?, ?>) object.get("metadata")).get("name"));
        objects.add(object);
    }

    /** {@code count} AuthorizationPolicies {@code p-000}… in {@code namespace}, each denying one other namespace. */
    public void denyPolicies(String namespace, int count) {
        for (int i = 0; i < count; i++) {
            Map<String, Object> metadata = new LinkedHashMap<>();
            metadata.put("name", "p-%03d".formatted(i));
            metadata.put("namespace", namespace);
            Map<String, Object> policy = new LinkedHashMap<>();
            policy.put("apiVersion", "security.istio.io/v1");
            policy.put("kind", "AuthorizationPolicy");
            policy.put("metadata", metadata);
            policy.put("spec", Map.of("action", "DENY", "rules", List.of(Map.of("from", List.of(Map.of("source",
                    Map.of("namespaces", List.of("ns-" + i))))))));
            put(policy);
        }
    }

    /** Removes an object from the stand-in store. */
    public void remove(String kind, String namespace, String name) {
        objects.removeIf(o -> kind.equals(o.get("kind")) && java.util.Objects.equals(namespace, ((Map<?, ?>) o.get("metadata")).get("namespace"))
                && name.equals(((Map<?, ?>) o.get("metadata")).get("name")));
    }

    /** Connections the ztunnel on node-b saw: {@code count} opened (and {@code failed} refused), with or without mTLS. */
    public void traffic(String sourceWorkload, String sourceSa, boolean mtls, int count, int failed, long bytes) {
        List<String> tags = List.of("reporter", "destination", "source_workload", sourceWorkload, "source_workload_namespace", "demo",
                "source_principal", mtls ? "spiffe://cluster.local/ns/demo/sa/" + sourceSa : "unknown",
                "destination_workload", "echo", "destination_workload_namespace", "demo", "destination_service", "echo.demo.svc.cluster.local",
                "destination_service_name", "echo", "destination_service_namespace", "demo", "request_protocol", "tcp",
                "response_flags", failed > 0 ? "DENY" : "-", "connection_security_policy", mtls ? "mutual_tls" : "unknown");
        String[] t = tags.toArray(String[]::new);
        Counter.builder("istio_tcp_connections_opened").tags(t).register(ztunnelMetrics).increment(count);
        Counter.builder("istio_tcp_connections_failed").tags(t).register(ztunnelMetrics).increment(failed);
        Counter.builder("istio_tcp_received_bytes").tags(t).register(ztunnelMetrics).increment(bytes);
        Counter.builder("istio_tcp_sent_bytes").tags(t).register(ztunnelMetrics).increment(bytes);
    }

    private static Address workload(String name, String owner, String sa, String node, String ip, boolean captured,
            Map<String, PortList> services) {
        return workload("demo", name, owner, sa, node, ip, captured, services);
    }

    private static Address workload(String namespace, String name, String owner, String sa, String node, String ip, boolean captured,
            Map<String, PortList> services) {
        return Address.newBuilder().setWorkload(Workload.newBuilder().setUid("Kubernetes//Pod/" + namespace + "/" + name).setName(name)
                .setNamespace(namespace).setWorkloadName(owner).setServiceAccount(sa).setNode(node).setTrustDomain("cluster.local")
                .addAddresses(ip(ip)).setTunnelProtocol(captured ? TunnelProtocol.HBONE : TunnelProtocol.NONE)
                .putAllServices(services)).build();
    }

    private static ByteString ip(String ip) {
        return ByteString.copyFrom(InetAddress.ofLiteral(ip).getAddress());
    }

    private static Map<String, Object> object(String apiVersion, String kind, String namespace, String name, Map<String, String> labels,
            Map<String, Object> spec) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("name", name);
        if (!namespace.isEmpty()) {
            metadata.put("namespace", namespace);
        }
        metadata.put("labels", labels);
        Map<String, Object> object = new LinkedHashMap<>();
        object.put("apiVersion", apiVersion);
        object.put("kind", kind);
        object.put("metadata", metadata);
        if (spec != null) {
            object.put("spec", spec);
        }
        return object;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String query = exchange.getRequestURI().getQuery() == null ? "" : exchange.getRequestURI().getQuery();
            if (path.equals("/actuator/prometheus")) {
                respond(exchange, 200, "text/plain; version=0.0.4", ztunnelMetrics.scrape());
                return;
            }
            if (path.equals("/config_dump")) {
                respond(exchange, 200, "application/json", ECHO_DUMP);
                return;
            }
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            String token = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : null;
            boolean viewer = TestTokens.VIEWER.equals(token) || TestTokens.ADMIN.equals(token);
            if (!viewer) {
                respond(exchange, 401, "application/problem+json", "{\"status\":401}");
                return;
            }
            switch (exchange.getRequestMethod() + " " + path) {
                case "GET /debug/xds/resources" -> respond(exchange, 200, "application/json",
                        query.contains("authorization") ? resources(authorizations) : resources(addresses));
                case "GET /store/export" -> {
                    List<Map<String, Object>> entries = new ArrayList<>();
                    objects.forEach(o -> entries.add(Map.of("source", "demo.yaml", "line", 1, "object", o)));
                    respond(exchange, 200, "application/json", JSON.writeValueAsString(Map.of("version", 1, "objects", entries)));
                }
                case "GET /store/status" -> respond(exchange, 200, "application/json", "[]");
                case "GET /debug/xds/waypoints" -> {
                    if (waypointListeners.isEmpty()) {
                        respond(exchange, 404, "application/json", "{\"error\":\"no programmed waypoint\"}");
                        return;
                    }
                    StringBuilder listeners = new StringBuilder("[");
                    for (var l : waypointListeners) {
                        listeners.append(listeners.length() > 1 ? "," : "").append(WaypointRbacShapes.ENVOY_JSON.print(l));
                    }
                    respond(exchange, 200, "application/json", "{\"generation\":7,\"waypoints\":[{\"name\":\"shop/waypoint\",\"listeners\":"
                            + listeners + "],\"routes\":" + printed(waypointRoutes) + ",\"clusters\":[],\"endpoints\":"
                            + printed(waypointEndpoints) + "}]}");
                }
                case "GET /debug/xds/findings" -> respond(exchange, 200, "application/json", "{\"findings\":[]}");
                case "POST /store/apply", "POST /store/delete" -> {
                    boolean delete = path.endsWith("delete");
                    if (!TestTokens.ADMIN.equals(token)) {
                        respond(exchange, 403, "application/problem+json", "{\"status\":403}");
                        return;
                    }
                    writeTokens.add(token);
                    String yaml = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                    List<String> applied = new ArrayList<>();
                    try {
                        for (Object doc : new Yaml().loadAll(yaml)) {
                            @SuppressWarnings("unchecked")
                            Map<String, Object> object = (Map<String, Object>) doc;
                            @SuppressWarnings("unchecked")
                            Map<String, Object> metadata = (Map<String, Object>) object.get("metadata");
                            if (object.get("kind") == null || metadata == null || metadata.get("name") == null) {
                                throw new IllegalArgumentException("kind and metadata.name are required");
                            }
                            objects.removeIf(o -> o.get("kind").equals(object.get("kind"))
                                    && ((Map<?, ?>) o.get("metadata")).get("name").equals(metadata.get("name")));
                            if (!delete) {
                                objects.add(object);
                            }
                            applied.add(object.get("kind") + "/" + metadata.get("name"));
                        }
                    } catch (RuntimeException e) {
                        respond(exchange, 400, "application/json", JSON.writeValueAsString(Map.of("problems", List.of("request:1: " + e.getMessage()))));
                        return;
                    }
                    respond(exchange, 200, "application/json", JSON.writeValueAsString(Map.of(delete ? "deleted" : "applied", applied, "version", 2)));
                }
                default -> respond(exchange, 404, "application/json", "{}");
            }
        }
    }

    private static String resources(List<? extends MessageOrBuilder> messages) throws IOException {
        StringBuilder json = new StringBuilder("{\"generation\":7,\"resources\":[");
        for (int i = 0; i < messages.size(); i++) {
            json.append(i == 0 ? "" : ",").append("{\"name\":\"r").append(i).append("\",\"version\":\"1\",\"resource\":")
                    .append(PROTO.print(messages.get(i))).append('}');
        }
        return json.append("]}").toString();
    }

    private static void respond(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
