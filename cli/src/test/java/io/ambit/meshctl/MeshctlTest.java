package io.ambit.meshctl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * meshctl against an HTTP server on port 0 that answers as admin-ui's API does (its JSON shapes and
 * RFC 9457 problems): tables, JSON, the requests it sends, and every error as a sentence.
 */
class MeshctlTest {

    static final String TOKEN = "meshctl-test-token";

    @TempDir
    Path dir;

    private HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<String> bodies = new CopyOnWriteArrayList<>();
    private Path tokenFile;

    record Result(int status, String out, String err) {
    }

    @BeforeEach
    void start() throws IOException {
        tokenFile = Files.writeString(dir.resolve("admin"), TOKEN + "\n");
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
            bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            if (!("Bearer " + TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                respond(exchange, 401, "{\"status\":401,\"title\":\"Unauthorized\",\"detail\":\"a bearer token is required\"}");
                return;
            }
            switch (path) {
                case "/api/v1/workloads" -> respond(exchange, 200, """
                        [{"uid":"u1","name":"sleep-1","namespace":"demo","node":"node-a","addresses":["10.244.1.10"],"captured":true,
                          "waypoint":null,"identity":"spiffe://cluster.local/ns/demo/sa/sleep"},
                         {"uid":"u2","name":"legacy-1","namespace":"demo","node":"node-a","addresses":["10.244.1.11"],"captured":false}]""");
                case "/api/v1/workloads/demo/sleep-1" -> respond(exchange, 200, """
                        {"workload":{"name":"sleep-1","namespace":"demo","node":"node-a","addresses":["10.244.1.10"],"captured":true,
                          "serviceAccount":"sleep","identity":"spiffe://cluster.local/ns/demo/sa/sleep"},
                         "policies":[{"name":"demo/allow-sleep","action":"ALLOW","scope":"NAMESPACE","dryRun":false,"rules":1}],
                         "certificates":[]}""");
                case "/api/v1/workloads/demo/ghost" -> respond(exchange, 404,
                        "{\"status\":404,\"title\":\"Not found\",\"detail\":\"no workload demo/ghost\"}");
                case "/api/v1/validations" -> respond(exchange, 200, """
                        [{"severity":"error","code":"missing-waypoint","kind":"Service","namespace":"demo","name":"web",
                          "message":"istio.io/use-waypoint=wp names Gateway demo/wp, which does not exist"}]""");
                case "/api/v1/explain" -> respond(exchange, 200, exchange.getRequestURI().getQuery().contains("to=shop") ? """
                        {"from":"demo/sleep-1","to":"shop/shop","port":80,"path":"via waypoint shop/waypoint","allowed":true,"notes":[],
                         "hops":[{"at":"waypoint shop/waypoint","peer":"spiffe://cluster.local/ns/demo/sa/sleep","destination":"shop/shop:80",
                           "decided":true,"allowed":true,"policy":"","reason":"no L7 policy applies at the waypoint","considered":[],"dryRun":""}],
                         "route":{"table":"outbound|80||shop.shop.svc.cluster.local","matched":true,"rule":"shop.split.1",
                           "origin":"HTTPRoute shop/split rules[1]","action":"forward","status":0,"outcome":"forwarded to shop/shop:80 (80%), shop/shop-v2:80 (20%)",
                           "backends":[{"cluster":"outbound|80||shop.shop.svc.cluster.local","service":"shop/shop","port":80,"weight":80,"percent":80},
                                       {"cluster":"outbound|80||shop-v2.shop.svc.cluster.local","service":"shop/shop-v2","port":80,"weight":20,"percent":20}],
                           "applies":["timeout 3000 ms"]}}""" : """
                        {"from":"demo/sleep-1","to":"demo/echo","port":80,"path":"direct","allowed":true,"notes":[],
                         "hops":[{"at":"ztunnel node-b (inbound to demo/echo-1)","peer":"spiffe://cluster.local/ns/demo/sa/sleep",
                           "destination":"10.244.2.10:8080","decided":true,"allowed":true,"policy":"demo/allow-sleep",
                           "reason":"allowed by demo/allow-sleep","considered":["demo/allow-sleep (ALLOW)"],"dryRun":""}]}""");
                case "/api/v1/apply", "/api/v1/delete" -> respond(exchange, 200,
                        path.endsWith("apply") ? "{\"applied\":[\"Gateway/demo/waypoint\"]}" : "{\"deleted\":[]}");
                case "/api/v1/waypoints" -> respond(exchange, 403, "{\"status\":403,\"title\":\"Forbidden\",\"detail\":\"viewer may not\"}");
                case "/api/v1/services", "/api/v1/policies" -> {
                    String query = exchange.getRequestURI().getQuery();
                    if (query != null && query.contains("node=ghost")) {
                        respond(exchange, 404, "{\"status\":404,\"title\":\"Not found\",\"detail\":\"no node ghost in the mesh; known nodes: node-a, node-b\"}");
                    } else if (path.endsWith("services")) {
                        respond(exchange, 200, """
                                [{"name":"echo","namespace":"demo","hostname":"echo.demo.svc.cluster.local","vips":["10.96.0.20"],
                                  "ports":[{"port":80,"targetPort":8080}],"waypoint":null,"endpoints":["u3"]}]""");
                    } else {
                        respond(exchange, 200, """
                                [{"kind":"AuthorizationPolicy","namespace":"demo","name":"allow-sleep","translated":[{"name":"demo/allow-sleep",
                                  "l4":{"name":"allow-sleep","namespace":"demo","scope":"NAMESPACE","action":"ALLOW"}}]}]""");
                    }
                }
                case "/api/v1/version" -> respond(exchange, 200, "{\"component\":\"admin-ui\",\"version\":\"0.1.0-SNAPSHOT\",\"api\":\"v1\"}");
                default -> respond(exchange, 404, "{\"status\":404}");
            }
        }
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", status / 100 == 2 ? "application/json" : "application/problem+json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private Result meshctl(String... args) {
        return meshctlAt(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"), args);
    }

    private Result meshctlAt(URI base, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Meshctl.run(new AdminClient(base, tokenFile), new PrintWriter(out), new PrintWriter(err), args);
        return new Result(status, out.toString(), err.toString());
    }

    @Test
    void ztunnelConfigWorkloadsIsATableOrJson() {
        Result table = meshctl("ztunnel-config", "workloads", "--node", "node-a");
        assertThat(table.status()).as(table.err()).isZero();
        assertThat(table.out().lines().findFirst().orElseThrow()).contains("NAMESPACE", "POD NAME", "ADDRESS", "NODE", "WAYPOINT", "PROTOCOL");
        assertThat(table.out()).contains("sleep-1").contains("HBONE").contains("legacy-1").contains("TCP");
        assertThat(requests).contains("GET /api/v1/workloads?node=node-a");
        Result json = meshctl("ztunnel-config", "workloads", "-o", "json");
        assertThat(json.out()).contains("\"name\" : \"sleep-1\"");
    }

    @Test
    void ztunnelConfigServicesAndPoliciesHonourTheNode() {
        Result services = meshctl("ztunnel-config", "services", "--node", "node-b");
        assertThat(services.status()).as(services.err()).isZero();
        assertThat(services.out()).contains("SERVICE NAME").contains("echo").contains("10.96.0.20");
        Result policies = meshctl("ztunnel-config", "policies", "--node", "node-b");
        assertThat(policies.status()).as(policies.err()).isZero();
        assertThat(policies.out()).contains("POLICY NAME").contains("allow-sleep").contains("NAMESPACE");
        assertThat(requests).contains("GET /api/v1/services?node=node-b", "GET /api/v1/policies?node=node-b");
        meshctl("ztunnel-config", "services");
        assertThat(requests).contains("GET /api/v1/services");
        Result unknown = meshctl("ztunnel-config", "policies", "--node", "ghost");
        assertThat(unknown.status()).isEqualTo(1);
        assertThat(unknown.err()).contains("no node ghost").contains("known nodes: node-a, node-b").doesNotContain("Exception");
    }

    @Test
    void explainSendsTheRequestAWaypointDecidesOn() {
        Result explained = meshctl("explain", "demo/sleep-1", "demo/echo:80", "--method", "POST", "--path", "/admin?x=1",
                "-H", "x-debug: 1", "--header", "accept:text/plain");
        assertThat(explained.status()).as(explained.err()).isZero();
        assertThat(requests).contains("GET /api/v1/explain?from=demo%2Fsleep-1&to=demo%2Fecho&port=80&method=POST&path=%2Fadmin%3Fx%3D1"
                + "&header=x-debug%3A+1&header=accept%3Atext%2Fplain");
    }

    @Test
    void explainShowsTheWaypointsRouteWithItsBackends() {
        Result explained = meshctl("explain", "demo/sleep-1", "shop/shop:80", "--path", "/products");
        assertThat(explained.status()).as(explained.err()).isZero();
        assertThat(explained.out()).contains("ROUTE (waypoint, table outbound|80||shop.shop.svc.cluster.local): shop.split.1 from HTTPRoute shop/split rules[1]")
                .contains("shop/shop-v2").contains("20%").contains("timeout 3000 ms");
        assertThat(meshctl("explain", "demo/sleep-1", "demo/echo:80").out()).doesNotContain("ROUTE");
    }

    @Test
    void aBadWordIsNamedWithTheValidChoices() {
        Result kind = meshctl("ztunnel-config", "workload");
        assertThat(kind.status()).isEqualTo(2);
        assertThat(kind.err()).contains("'workload'").contains("workloads, services, policies, certificates");
        Result output = meshctl("ztunnel-config", "workloads", "-o", "yaml");
        assertThat(output.err()).contains("'yaml'").contains("table, json");
        Result verb = meshctl("wayponit");
        assertThat(verb.status()).isEqualTo(2);
        assertThat(verb.err()).contains("wayponit").contains("waypoint");
        Result forWhat = meshctl("waypoint", "apply", "-n", "demo", "--for", "everything");
        assertThat(forWhat.err()).contains("'everything'").contains("service, workload, all, none");
        Result port = meshctl("explain", "demo/sleep-1", "demo/echo");
        assertThat(port.status()).isEqualTo(2);
        assertThat(port.err()).contains("TO:PORT must end with a port");
        for (Result r : List.of(kind, output, verb, forWhat, port)) {
            assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
        }
    }

    @Test
    void httpErrorsAreReportedAsWhatTheyAre() throws IOException {
        Result notFound = meshctl("x", "describe", "pod", "demo/ghost");
        assertThat(notFound.status()).isEqualTo(1);
        assertThat(notFound.err()).isEqualTo("meshctl: not found (HTTP 404): no workload demo/ghost" + System.lineSeparator());
        Result forbidden = meshctl("waypoint", "list");
        assertThat(forbidden.err()).contains("HTTP 403 Forbidden").contains("viewer may not");
        Files.writeString(tokenFile, "wrong");
        Result unauthorized = meshctl("analyze");
        assertThat(unauthorized.err()).contains("refused the token in " + tokenFile + " (HTTP 401 Unauthorized)");
        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        Result unreachable = meshctlAt(URI.create("http://127.0.0.1:" + closed + "/"), "version");
        assertThat(unreachable.err()).contains("cannot reach admin-ui");
        Files.delete(tokenFile);
        assertThat(meshctl("analyze").err()).contains("no admin token at " + tokenFile);
    }

    @Test
    void describeAnalyzeExplainWaypointAndVersion() {
        Result describe = meshctl("x", "describe", "pod", "sleep-1", "-n", "demo");
        assertThat(describe.out()).contains("Identity: spiffe://cluster.local/ns/demo/sa/sleep").contains("demo/allow-sleep (ALLOW, NAMESPACE)");
        Result analyze = meshctl("analyze");
        assertThat(analyze.status()).as("errors found").isEqualTo(79);
        assertThat(analyze.out()).contains("Error [missing-waypoint] Service demo/web:");
        Result explain = meshctl("explain", "demo/sleep-1", "demo/echo:80");
        assertThat(explain.status()).isZero();
        assertThat(explain.out()).startsWith("ALLOWED: demo/sleep-1 -> demo/echo:80 (direct)").contains("allowed by demo/allow-sleep");
        assertThat(requests).contains("GET /api/v1/explain?from=demo%2Fsleep-1&to=demo%2Fecho&port=80");
        Result apply = meshctl("waypoint", "apply", "-n", "demo", "--for", "all");
        assertThat(apply.out()).contains("waypoint demo/waypoint applied");
        assertThat(bodies.getLast()).contains("gatewayClassName: istio-waypoint").contains("istio.io/waypoint-for: all")
                .contains("port: 15008").contains("protocol: HBONE");
        Result delete = meshctl("waypoint", "delete", "-n", "demo");
        assertThat(delete.status()).isEqualTo(1);
        assertThat(delete.err()).contains("no waypoint demo/waypoint to delete");
        Result version = meshctl("version");
        assertThat(version.out()).contains("client version: 0.1.0-SNAPSHOT").contains("admin-ui version: 0.1.0-SNAPSHOT (API v1)");
    }
}
