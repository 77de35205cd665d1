package io.ambit.meshctl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
import tools.jackson.databind.JsonNode;

/**
 * {@code meshctl debug waypoint} against an HTTP server on port 0 that answers as the xds-server's
 * {@code /debug/xds/waypoints} does. The answers in {@code debug/*.json} were printed by the
 * xds-server's translator and Envoy JSON printer from its test fixtures {@code l7.yaml} and
 * {@code l7-tcp.yaml}, so the tables read the shapes the server really sends.
 */
class DebugWaypointTest {

    static final String TOKEN = "debug-test-token";

    @TempDir
    Path dir;

    private HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private Path tokenFile;
    /** What the next GET /debug/xds/waypoints answers: a resource name, or a literal body after "body:". */
    private volatile String answer = "debug/waypoints-l7.json";
    private volatile int status = 200;

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
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
            if (!("Bearer " + TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                respond(exchange, 401, "{\"error\":\"unauthorized\"}");
                return;
            }
            if (!exchange.getRequestURI().getPath().equals("/debug/xds/waypoints")) {
                respond(exchange, 404, "{}");
                return;
            }
            String body;
            if (answer.startsWith("body:")) {
                body = answer.substring("body:".length());
            } else {
                try (InputStream in = getClass().getResourceAsStream("/" + answer)) {
                    body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
            respond(exchange, status, body);
        }
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private Result meshctl(String... args) {
        URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        // admin-ui's client points nowhere: debug must not need it
        int code = Meshctl.run(new AdminClient(URI.create("http://127.0.0.1:1/"), tokenFile), AdminClient.xdsServer(base, tokenFile),
                new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void tablesPerTypeAsIstioctlProxyConfigShowsThem() {
        Result r = meshctl("debug", "waypoint", "demo/waypoint");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(requests).containsExactly("GET /debug/xds/waypoints?name=demo%2Fwaypoint");
        List<String> lines = r.out().lines().toList();
        assertThat(lines.getFirst()).isEqualTo("WAYPOINT demo/waypoint (generation 7)");
        // one header per type, in istioctl's order
        assertThat(lines).filteredOn(l -> l.startsWith("LISTENER ") || l.startsWith("ROUTE TABLE ") || l.startsWith("CLUSTER "))
                .hasSize(4);
        // listeners: name, VIP address, port, what the chain does
        assertThat(lines).anySatisfy(l -> assertThat(l.split("\\s+")).startsWith("reviews.demo.svc.cluster.local:9080", "10.96.0.20", "9080"));
        assertThat(r.out()).contains("HTTP: RDS outbound|9080||reviews.demo.svc.cluster.local [rbac,rbac,fault,router]");
        // routes: the 90/10 split with its weights, matches as written
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("outbound|9080||reviews.demo.svc.cluster.local")
                .contains("reviews.demo.svc.cluster.local +3 more", "/*",
                        "outbound|9080||reviews-v1.demo.svc.cluster.local 90%, outbound|9080||reviews-v2.demo.svc.cluster.local 10%"));
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("/admin ", "redirect https://admin.example.com (FOUND)"));
        // clusters: type, load balancer (the proto default spelt out), endpoint count from EDS
        assertThat(lines).anySatisfy(l -> assertThat(l.split("\\s+"))
                .containsExactly("outbound|9080||reviews.demo.svc.cluster.local", "EDS", "ROUND_ROBIN", "2"));
        // endpoints: cluster, address:port, health as EDS states it
        assertThat(lines).anySatisfy(l -> assertThat(l.split("\\s+"))
                .containsExactly("outbound|9080||reviews.demo.svc.cluster.local", "10.244.0.12:9090", "UNKNOWN"));
        assertThat(lines).anySatisfy(l -> assertThat(l.split("\\s+")).containsExactly("outbound|5432||db.other.svc.cluster.local", "(none)"));
        // readable: no line is the one-line JSON of before
        assertThat(lines).allSatisfy(l -> assertThat(l).doesNotStartWith("{"));
    }

    @Test
    void oneTypeAndTcpChains() {
        answer = "debug/waypoints-tcp.json";
        Result r = meshctl("debug", "waypoint", "--type", "listeners");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(requests).containsExactly("GET /debug/xds/waypoints");
        assertThat(r.out()).contains("LISTENER").doesNotContain("ROUTE TABLE", "CLUSTER");
        assertThat(r.out()).containsPattern("TCP inbound-vip\\|\\d+\\|tcp\\|\\S+ \\[(rbac,)*tcp_proxy\\] -> outbound\\|");
    }

    @Test
    void jsonIsIndentedEnvoyJson() throws Exception {
        Result r = meshctl("debug", "waypoint", "demo/waypoint", "-o", "json");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out().lines().count()).isGreaterThan(100);
        assertThat(r.out()).contains("\n  \"waypoints\" : [", "\"@type\" : \"type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager\"");
        JsonNode printed = AdminClient.JSON.readTree(r.out());
        try (InputStream in = getClass().getResourceAsStream("/debug/waypoints-l7.json")) {
            assertThat(printed).isEqualTo(AdminClient.JSON.readTree(in)); // the server's JSON, only indented
        }
        Result routes = meshctl("debug", "waypoint", "-o", "json", "-t", "routes");
        JsonNode only = AdminClient.JSON.readTree(routes.out()).path("waypoints").get(0);
        assertThat(only.propertyNames()).containsExactlyInAnyOrder("name", "routes");
    }

    @Test
    void noWaypointsSaysSo() {
        answer = "body:{\"generation\":3,\"waypoints\":[]}";
        Result r = meshctl("debug", "waypoint");
        assertThat(r.status()).isZero();
        assertThat(r.out()).isEqualTo("No programmed waypoints (generation 3)." + System.lineSeparator());
    }

    @Test
    void anUnknownWaypointIsTheServersSentence() {
        answer = "body:{\"error\":\"no programmed waypoint demo/ghost; known: demo/waypoint\"}";
        status = 404;
        Result r = meshctl("debug", "waypoint", "demo/ghost");
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("meshctl: not found (HTTP 404): no programmed waypoint demo/ghost; known: demo/waypoint"
                + System.lineSeparator());
    }

    @Test
    void badNamesAndTypesAreUsageErrorsWithoutARequest() {
        for (String bad : new String[] {"waypoint", "demo/", "/waypoint", "a/b/c", "demo/way point", "demo/x&name=other", "x".repeat(300) + "/w"}) {
            Result r = meshctl("debug", "waypoint", bad);
            assertThat(r.status()).as(bad).isEqualTo(2);
            assertThat(r.err()).as(bad).contains("NAMESPACE/NAME wants a waypoint such as demo/waypoint");
        }
        Result type = meshctl("debug", "waypoint", "-t", "secrets");
        assertThat(type.status()).isEqualTo(2);
        assertThat(type.err()).contains("listeners, routes, clusters, endpoints, all");
        assertThat(requests).isEmpty();
    }

    @Test
    void hostileAnswersAreSentencesNotStackTraces() {
        answer = "body:<html>proxy error</html>";
        Result notJson = meshctl("debug", "waypoint");
        assertThat(notJson.status()).isEqualTo(1);
        assertThat(notJson.err()).startsWith("meshctl: the xds-server at ").contains("with something that is not JSON").doesNotContain("BUG");

        answer = "body:[1,2,3]";
        Result array = meshctl("debug", "waypoint", "-o", "json", "-t", "routes");
        assertThat(array.status()).isEqualTo(1);
        assertThat(array.err()).contains("not a JSON object").doesNotContain("BUG");

        // wrong shapes inside: empty cells, not errors
        answer = "body:{\"generation\":1,\"waypoints\":[{\"name\":\"demo/w\",\"listeners\":[{\"address\":7}],\"routes\":\"x\","
                + "\"clusters\":[{\"name\":\"c\",\"type\":{}}],\"endpoints\":[{\"endpoints\":[{\"lbEndpoints\":[{}]}]}]}]}";
        Result odd = meshctl("debug", "waypoint");
        assertThat(odd.status()).as(odd.err()).isZero();
        assertThat(odd.out()).contains("WAYPOINT demo/w", "LISTENER", "CLUSTER");

        StringWriter err = new StringWriter();
        int unauthorized = Meshctl.run(new AdminClient(URI.create("http://127.0.0.1:1/"), tokenFile),
                AdminClient.xdsServer(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"), writeToken("wrong")),
                new PrintWriter(new StringWriter()), new PrintWriter(err), "debug", "waypoint");
        assertThat(unauthorized).isEqualTo(1);
        assertThat(err.toString()).contains("the xds-server refused the token in", "HTTP 401 Unauthorized");
    }

    @Test
    void anUnreachableServerNamesTheVariable() {
        StringWriter err = new StringWriter();
        int code = Meshctl.run(new AdminClient(URI.create("http://127.0.0.1:1/"), tokenFile),
                AdminClient.xdsServer(URI.create("http://127.0.0.1:1/"), tokenFile), new PrintWriter(new StringWriter()), new PrintWriter(err),
                "debug", "waypoint");
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("cannot reach the xds-server at http://127.0.0.1:1/", "MESHCTL_SERVER");
    }

    private Path writeToken(String token) {
        try {
            return Files.writeString(dir.resolve("other"), token);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
