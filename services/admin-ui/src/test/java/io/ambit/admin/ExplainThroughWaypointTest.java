package io.ambit.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import io.ambit.service.TestTokens;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The explainer through a waypoint: the waypoint hop is decided by the waypoint's own RBAC engine
 * ({@code libs/authz}'s {@code RbacEngine}) over the listener the xds-server serves the waypoint,
 * for the request given as {@code method}, {@code path} and {@code header}; the ztunnel hop after
 * it by the L4 evaluator with the waypoint's identity. Stand-in: {@link StandInMesh#withWaypoint()}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = {"server.port=0", "management.server.port=0"})
class ExplainThroughWaypointTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static StandInMesh mesh;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        mesh = StandInMesh.withWaypoint();
        TestTokens.register(registry);
        registry.add("ambit.admin.xds-url", mesh::url);
        registry.add("ambit.admin.ztunnels", () -> "");
        registry.add("ambit.admin.scrape-targets", () -> "");
        registry.add("ambit.admin.refresh", () -> "300ms");
    }

    @AfterAll
    static void stop() {
        mesh.close();
    }

    @Autowired
    Environment environment;

    private HttpResponse<String> get(String query) throws Exception {
        return getTo("to=shop/shop&port=80" + query);
    }

    private HttpResponse<String> getTo(String query) throws Exception {
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + environment.getProperty("local.server.port")
                    + "/api/v1/explain?from=demo/sleep-1&" + query)).timeout(Duration.ofSeconds(20))
                    .header("Authorization", "Bearer " + TestTokens.VIEWER).build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private JsonNode explain(String query) throws Exception {
        HttpResponse<String> response = get(query);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static JsonNode waypointHop(JsonNode explanation) {
        assertThat(explanation.path("path").asString()).isEqualTo("via waypoint shop/waypoint");
        JsonNode hop = explanation.path("hops").get(0);
        assertThat(hop.path("at").asString()).isEqualTo("waypoint shop/waypoint");
        assertThat(hop.path("peer").asString()).isEqualTo("spiffe://cluster.local/ns/demo/sa/sleep");
        assertThat(hop.path("decided").asBoolean()).as("the waypoint hop is decided").isTrue();
        return hop;
    }

    @Test
    void aPathDeniedByTheWaypointsDenyPolicy() throws Exception {
        JsonNode explanation = explain("&method=GET&path=/admin/users");
        JsonNode hop = waypointHop(explanation);
        assertThat(hop.path("allowed").asBoolean()).isFalse();
        assertThat(hop.path("policy").asString()).isEqualTo("shop/deny-admin");
        assertThat(hop.path("reason").asString()).contains("DENY", "ns[shop]-policy[deny-admin]-rule[0]", "GET /admin/users", "403");
        assertThat(explanation.path("allowed").asBoolean()).isFalse();
    }

    @Test
    void aPathAllowedByTheWaypointThenDecidedAtL4WithTheWaypointsIdentity() throws Exception {
        JsonNode explanation = explain("&method=GET&path=/products?page=2");
        JsonNode hop = waypointHop(explanation);
        assertThat(hop.path("allowed").asBoolean()).as(hop.toString()).isTrue();
        assertThat(hop.path("policy").asString()).isEqualTo("shop/allow-sleep-get");
        assertThat(hop.path("considered").toString()).contains("deny-admin", "deny-debug", "allow-sleep-get");
        JsonNode ztunnel = explanation.path("hops").get(1);
        assertThat(ztunnel.path("at").asString()).startsWith("ztunnel node-b");
        assertThat(ztunnel.path("peer").asString()).isEqualTo("spiffe://cluster.local/ns/shop/sa/waypoint");
        assertThat(ztunnel.path("allowed").asBoolean()).isTrue();
        assertThat(explanation.path("allowed").asBoolean()).isTrue();
    }

    @Test
    void aMethodNoAllowPolicyMatchesAndAHeaderTheDenyPolicyNames() throws Exception {
        JsonNode post = waypointHop(explain("&method=POST&path=/products"));
        assertThat(post.path("allowed").asBoolean()).isFalse();
        assertThat(post.path("reason").asString()).contains("no ALLOW policy", "POST /products");

        JsonNode debug = waypointHop(explain("&path=/products&header=X-Debug:1"));
        assertThat(debug.path("allowed").asBoolean()).isFalse();
        assertThat(debug.path("policy").asString()).isEqualTo("shop/deny-debug");

        JsonNode other = waypointHop(explain("&path=/products&header=X-Debug:0&header=accept:text/plain"));
        assertThat(other.path("allowed").asBoolean()).isTrue();
    }

    @Test
    void withoutARequestItAsksAboutGetSlashAndSaysSo() throws Exception {
        JsonNode hop = waypointHop(explain(""));
        assertThat(hop.path("allowed").asBoolean()).isTrue();
        assertThat(hop.path("reason").asString()).contains("GET / assumed");
    }

    @Test
    void aTcpPortAtTheWaypointIsDecidedByItsNetworkRbacOnly() throws Exception {
        JsonNode explanation = explainTo("to=shop/db&port=5432");
        JsonNode hop = waypointHop(explanation);
        assertThat(hop.path("allowed").asBoolean()).as(hop.toString()).isTrue();
        assertThat(hop.path("policy").asString()).isEqualTo("shop/allow-sleep-tcp");
        assertThat(hop.path("reason").asString()).contains("port 5432 of db.shop.svc.cluster.local is TCP (not HTTP) at the waypoint",
                "it enforces L4 (network) RBAC only there").doesNotContain("GET / assumed");
        assertThat(hop.path("considered").toString()).contains("allow-sleep-tcp", "L4 at the waypoint");
        assertThat(explanation.has("route") && !explanation.path("route").isNull()).as("no HTTP routing on a TCP port").isFalse();
        JsonNode ztunnel = explanation.path("hops").get(1);
        assertThat(ztunnel.path("at").asString()).startsWith("ztunnel node-b (inbound to shop/db-1)");
        assertThat(ztunnel.path("peer").asString()).isEqualTo("spiffe://cluster.local/ns/shop/sa/waypoint");
        assertThat(explanation.path("allowed").asBoolean()).isTrue();
    }

    @Test
    void onATcpPortAnHttpRequestTakesNoPartAndAnotherIdentityIsRefused() throws Exception {
        // the DENY path rule of port 80 does not exist here: a byte stream has no path
        JsonNode withRequest = waypointHop(explainTo("to=shop/db&port=5432&method=POST&path=/admin"));
        assertThat(withRequest.path("allowed").asBoolean()).isTrue();
        assertThat(withRequest.path("reason").asString()).contains("the request's method, path and headers take no part");

        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + environment.getProperty("local.server.port") + "/api/v1/explain?from=demo/echo-1&to=shop/db&port=5432"))
                    .header("Authorization", "Bearer " + TestTokens.VIEWER).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode explanation = JSON.readTree(response.body());
            JsonNode hop = explanation.path("hops").get(0);
            assertThat(hop.path("at").asString()).isEqualTo("waypoint shop/waypoint");
            assertThat(hop.path("allowed").asBoolean()).isFalse();
            assertThat(hop.path("reason").asString()).contains("L4 (network) RBAC only", "no ALLOW policy at the waypoint matches this connection",
                    "closes it");
            assertThat(explanation.path("allowed").asBoolean()).isFalse();
        }
    }

    private JsonNode explainTo(String query) throws Exception {
        HttpResponse<String> response = getTo(query);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    @Test
    void aSourceTheAllowPolicyDoesNotNameIsDenied() throws Exception {
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + environment.getProperty("local.server.port") + "/api/v1/explain?from=demo/echo-1&to=shop/shop&port=80&path=/products"))
                    .header("Authorization", "Bearer " + TestTokens.VIEWER).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode hop = JSON.readTree(response.body()).path("hops").get(0);
            assertThat(hop.path("peer").asString()).isEqualTo("spiffe://cluster.local/ns/demo/sa/echo");
            assertThat(hop.path("allowed").asBoolean()).isFalse();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"&method=G%20ET", "&method=", "&path=admin", "&path=/a%20b", "&path=/a%01b", "&header=nocolon",
            "&header=:path:/x", "&header=x%20y:1", "&header=x:a%01b"})
    void malformedRequestsAreRefusedWithAProblem(String query) throws Exception {
        HttpResponse<String> response = get(query);
        assertThat(response.statusCode()).as(query + ": " + response.body()).isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(JSON.readTree(response.body()).path("parameter").asString()).isIn("method", "path", "header");
    }

    @Test
    void tooManyOrOversizedHeadersAreRefused() throws Exception {
        assertThat(get("&header=x:1".repeat(33)).statusCode()).isEqualTo(400);
        assertThat(get("&header=x:1".repeat(32)).statusCode()).isEqualTo(200);
        assertThat(get("&header=x:" + "a".repeat(600)).statusCode()).isEqualTo(400);
        assertThat(get("&method=GET&method=POST").statusCode()).isEqualTo(400);
    }

    private static java.util.List<String> l4Destinations(JsonNode explanation) {
        java.util.List<String> out = new java.util.ArrayList<>();
        explanation.path("hops").forEach(h -> {
            if (h.path("at").asString().startsWith("ztunnel")) {
                out.add(h.path("destination").asString());
            }
        });
        return out;
    }

    @Test
    void theMatchingRouteRuleWithItsWeightedBackendsAndFault() throws Exception {
        JsonNode explanation = explain("&method=GET&path=/products/42");
        JsonNode route = explanation.path("route");
        assertThat(route.path("table").asString()).isEqualTo("outbound|80||shop.shop.svc.cluster.local");
        assertThat(route.path("matched").asBoolean()).isTrue();
        assertThat(route.path("rule").asString()).isEqualTo("shop.split.1");
        assertThat(route.path("origin").asString()).isEqualTo("HTTPRoute shop/split rules[1]");
        assertThat(route.path("action").asString()).isEqualTo("forward");
        assertThat(route.path("backends").get(0).path("service").asString()).isEqualTo("shop/shop");
        assertThat(route.path("backends").get(0).path("percent").asInt()).isEqualTo(80);
        assertThat(route.path("backends").get(1).path("service").asString()).isEqualTo("shop/shop-v2");
        assertThat(route.path("backends").get(1).path("weight").asInt()).isEqualTo(20);
        assertThat(route.path("applies").toString()).contains("fault: abort 10% of requests with HTTP 503", "timeout 15000 ms");
        assertThat(l4Destinations(explanation)).as("the ztunnel hops are the backends' pods")
                .containsExactly(StandInMesh.SHOP_IP + ":8080", StandInMesh.SHOP_V2_IP + ":8080");
    }

    @Test
    void aHeaderMatchedRuleSendsEverythingToOneBackendWithItsTimeoutAndRetries() throws Exception {
        JsonNode canary = explain("&path=/v2/cart&header=x-canary:yes");
        JsonNode route = canary.path("route");
        assertThat(route.path("rule").asString()).isEqualTo("shop.split.0");
        assertThat(route.path("backends").size()).isEqualTo(1);
        assertThat(route.path("backends").get(0).path("service").asString()).isEqualTo("shop/shop-v2");
        assertThat(route.path("backends").get(0).path("percent").asInt()).isEqualTo(100);
        assertThat(route.path("applies").toString()).contains("timeout 3000 ms", "retries: up to 2 on 5xx");
        assertThat(l4Destinations(canary)).containsExactly(StandInMesh.SHOP_V2_IP + ":8080");

        JsonNode withoutHeader = explain("&path=/v2/cart").path("route");
        assertThat(withoutHeader.path("matched").asBoolean()).isFalse();
        assertThat(withoutHeader.path("status").asInt()).isEqualTo(404);
        assertThat(withoutHeader.path("outcome").asString()).contains("no route matches", "404 (NR)");
        JsonNode notSeparated = explain("&path=/v2cart&header=x-canary:yes").path("route");
        assertThat(notSeparated.path("matched").asBoolean()).as("path_separated_prefix: /v2cart is not under /v2").isFalse();
    }

    @Test
    void aRedirectAndNoRouteAreAnsweredByTheWaypoint() throws Exception {
        JsonNode redirect = explain("&path=/old/list");
        assertThat(redirect.path("route").path("action").asString()).isEqualTo("redirect");
        assertThat(redirect.path("route").path("status").asInt()).isEqualTo(301);
        assertThat(redirect.path("route").path("applies").toString()).contains("matched prefix replaced by /new");
        assertThat(redirect.path("notes").toString()).contains("answers the request itself");

        JsonNode root = explain("");
        assertThat(root.path("route").path("action").asString()).isEqualTo("no route");
        assertThat(root.path("route").path("outcome").asString()).contains("GET /", "404 (NR)");
    }

    @Test
    void aPodIpGoesThroughThePodsOwnWaypointNotItsServicesAsZtunnelDecides() throws Exception {
        // shop-v2-1 has its own waypoint: workload-addressed traffic goes through it, served by the listener whose cluster has the pod
        JsonNode v2 = explainTo("to=" + StandInMesh.SHOP_V2_IP + "&port=8080&path=/anything");
        assertThat(v2.path("path").asString()).isEqualTo("via waypoint shop/waypoint");
        assertThat(v2.path("route").path("table").asString()).isEqualTo("outbound|80||shop-v2.shop.svc.cluster.local");
        assertThat(v2.path("route").path("rule").asString()).isEqualTo("default");
        assertThat(v2.path("route").path("origin").asString()).contains("default route");

        // shop-1 has no waypoint of its own: its Service's waypoint is not used for its pod IP
        JsonNode shop = explainTo("to=" + StandInMesh.SHOP_IP + "&port=8080");
        assertThat(shop.path("path").asString()).isEqualTo("direct");
        assertThat(shop.path("route").isNull() || shop.path("route").isMissingNode()).isTrue();

        // the same pod addressed through its Service's VIP goes through the Service's waypoint
        JsonNode vip = explainTo("to=" + StandInMesh.SHOP_VIP + "&port=80&path=/products");
        assertThat(vip.path("path").asString()).isEqualTo("via waypoint shop/waypoint");
        assertThat(vip.path("route").path("rule").asString()).isEqualTo("shop.split.1");
    }

    @Test
    void aPodIpTheWaypointServesNoServiceForIsRefusedAtConnect() throws Exception {
        JsonNode v2 = explainTo("to=" + StandInMesh.SHOP_V2_IP + "&port=9090");
        JsonNode hop = v2.path("hops").get(0);
        assertThat(hop.path("allowed").asBoolean()).isFalse();
        assertThat(hop.path("reason").asString()).contains("serves no service with endpoint " + StandInMesh.SHOP_V2_IP + ":9090", "400");
    }

    @Test
    void theDashboardsExplainerShowsTheRouteAndItsBackends() throws Exception {
        org.openqa.selenium.WebDriver driver = DashboardBrowserTest.chromium();
        try {
            driver.get("http://127.0.0.1:" + environment.getProperty("local.server.port") + "/");
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> driver.findElement(org.openqa.selenium.By.id("login")).isDisplayed());
            driver.findElement(org.openqa.selenium.By.id("token")).sendKeys(TestTokens.VIEWER);
            driver.findElement(org.openqa.selenium.By.cssSelector("#login-form button")).click();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> driver.findElement(org.openqa.selenium.By.cssSelector("#tabs button[data-tab='explain']")).isDisplayed());
            driver.findElement(org.openqa.selenium.By.cssSelector("#tabs button[data-tab='explain']")).click();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> driver.findElement(org.openqa.selenium.By.id("explain-from")).isDisplayed());
            driver.findElement(org.openqa.selenium.By.id("explain-from")).sendKeys("demo/sleep-1");
            driver.findElement(org.openqa.selenium.By.id("explain-to")).sendKeys("shop/shop");
            driver.findElement(org.openqa.selenium.By.id("explain-port")).clear();
            driver.findElement(org.openqa.selenium.By.id("explain-port")).sendKeys("80");
            driver.findElement(org.openqa.selenium.By.id("explain-path")).sendKeys("/products/1");
            driver.findElement(org.openqa.selenium.By.cssSelector("#explain-form button")).click();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                    assertThat(driver.findElement(org.openqa.selenium.By.id("explain-result")).getText()).contains("via waypoint"));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                assertThat(driver.findElement(org.openqa.selenium.By.id("explain-result")).getText()).as("the explainer's answer")
                        .contains("shop.split.1");
                assertThat(driver.findElement(org.openqa.selenium.By.id("explain-route")).getText())
                        .contains("shop.split.1", "HTTPRoute shop/split rules[1]", "fault: abort 10%");
                assertThat(driver.findElement(org.openqa.selenium.By.id("explain-backends")).getText()).contains("shop/shop-v2", "20%");
            });
            java.io.File file = ((org.openqa.selenium.TakesScreenshot) driver).getScreenshotAs(org.openqa.selenium.OutputType.FILE);
            java.nio.file.Files.createDirectories(DashboardBrowserTest.SCREENSHOTS);
            java.nio.file.Files.copy(file.toPath(), DashboardBrowserTest.SCREENSHOTS.resolve("explain-route.png"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            assertThat(driver.manage().logs().get(org.openqa.selenium.logging.LogType.BROWSER).getAll().stream()
                    .filter(e -> e.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue()).toList()).as("console errors").isEmpty();
        } finally {
            driver.quit();
        }
    }
}
