package io.ambit.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.ambit.identity.SpiffeId;
import io.ambit.service.TestTokens;
import io.ambit.tls.MeshTls;
import io.ambit.tls.PeerPolicy;
import io.ambit.xds.ads.AdsServer;
import io.ambit.xdsclient.DeltaAdsClient;
import io.ambit.xdsclient.XdsTypes;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The whole xDS server as a user meets it: objects applied through the REST API (what meshctl
 * does, with the admin token) reach a connected delta-ADS client; the debug endpoints show them, to the admin only.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = {"server.port=0", "management.server.port=0", "ambit.xds.local.config-dir=target/no-such-dir"})
class XdsServerIntegrationTest {

    static final TestIdentity IDENTITY = new TestIdentity();

    @TempDir
    static Path files;

    @DynamicPropertySource
    static void identity(DynamicPropertyRegistry registry) throws java.io.IOException {
        IDENTITY.register(registry, files);
        // bearer-only ADS in local mode: node-a's bootstrap token file, as ./mesh up passes it
        Path nodeToken = files.resolve("node-a-token");
        java.nio.file.Files.writeString(nodeToken, NODE_A_TOKEN);
        java.nio.file.Files.setPosixFilePermissions(nodeToken, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        registry.add("ambit.xds.local.node-token-files.node-a", nodeToken::toString);
    }

    static final String NODE_A_TOKEN = "a-node-bootstrap-token-of-32-characters";

    @Autowired
    org.springframework.context.ApplicationContext context;

    /** ambit.xds.local.node-token-files configured: the ADS port takes a node's token without a client certificate. */
    @Test
    void localModeTakesANodesBootstrapTokenOnTheAdsPort() {
        var bearer = context.getBean(io.ambit.xds.ads.BearerAuthenticator.class);
        assertThat(bearer.authenticate(NODE_A_TOKEN)).isEqualTo("spiffe://cluster.local/ns/istio-system/sa/ztunnel");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> bearer.authenticate("guess"))
                .hasMessageContaining("not a known node bootstrap token");
    }

    @Autowired
    Environment environment;

    @Autowired
    AdsServer adsServer;

    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    ManagedChannel channel;
    DeltaAdsClient client;

    @AfterEach
    void close() {
        if (client != null) {
            client.close();
        }
        if (channel != null) {
            channel.shutdownNow();
        }
    }

    HttpResponse<String> call(String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + environment.getProperty("local.server.port") + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/yaml");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void appliedObjectsReachAConnectedClientAndTheDebugView() throws Exception {
        channel = NettyChannelBuilder.forAddress("127.0.0.1", adsServer.port())
                .sslContext(MeshTls.client(IDENTITY.svid("spiffe://cluster.local/ns/istio-system/sa/ztunnel"), IDENTITY.bundle,
                        PeerPolicy.exactly(SpiffeId.parse("spiffe://cluster.local/ns/istio-system/sa/xds-server"))))
                .build();
        Map<String, String> have = new ConcurrentHashMap<>();
        client = DeltaAdsClient.builder(channel, Node.newBuilder().setId("ztunnel~node-a").build(), update -> {
            update.updated().forEach(r -> have.put(XdsTypes.shortName(update.typeUrl()) + " " + r.name(), r.version()));
            update.removed().forEach(name -> have.remove(XdsTypes.shortName(update.typeUrl()) + " " + name));
            return List.of();
        }).build().start();

        HttpResponse<String> applied = call("POST", "/store/apply", """
                apiVersion: v1
                kind: Namespace
                metadata: {name: shop, labels: {istio.io/dataplane-mode: ambient}}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: cart-0, namespace: shop}
                spec: {nodeName: node-a, serviceAccountName: cart, containers: [{name: c, image: i}]}
                status: {podIP: 10.244.1.9, conditions: [{type: Ready, status: "True"}]}
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: deny-all, namespace: shop}
                spec: {}
                """, TestTokens.ADMIN);
        assertThat(applied.statusCode()).isEqualTo(200);
        await().until(() -> have.containsKey("address Kubernetes//Pod/shop/cart-0") && have.containsKey("authorization shop/deny-all"));

        assertThat(call("GET", "/debug/xds/resources?type=address", null, null).statusCode()).isEqualTo(401);
        assertThat(call("GET", "/debug/xds/clients", null, "wrong-token").statusCode()).isEqualTo(401);
        assertThat(call("GET", "/debug/xds/clients", null, TestTokens.VIEWER).statusCode()).isEqualTo(403);
        HttpResponse<String> resources = call("GET", "/debug/xds/resources?type=address", null, TestTokens.ADMIN);
        assertThat(resources.statusCode()).isEqualTo(200);
        assertThat(resources.body()).contains("\"name\":\"Kubernetes//Pod/shop/cart-0\"", "\"serviceAccount\":\"cart\"", "\"tunnelProtocol\":\"HBONE\"");
        HttpResponse<String> policies = call("GET", "/debug/xds/resources?type=authorization", null, TestTokens.ADMIN);
        assertThat(policies.body()).contains("\"name\":\"deny-all\"");
        assertThat(call("GET", "/debug/xds/resources?type=listener", null, TestTokens.ADMIN).statusCode()).isEqualTo(400);
        HttpResponse<String> clients = call("GET", "/debug/xds/clients", null, TestTokens.ADMIN);
        assertThat(clients.body()).contains("spiffe://cluster.local/ns/istio-system/sa/ztunnel", "ztunnel~node-a");

        // A waypoint, a service bound to it and a 90/10 HTTPRoute: its Envoy resources, decoded, and the route's status.
        assertThat(call("POST", "/store/apply", """
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: waypoint, namespace: shop}
                spec: {gatewayClassName: istio-waypoint, listeners: [{name: mesh, port: 15008, protocol: HBONE}]}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: waypoint, namespace: shop}
                spec: {clusterIP: 10.96.5.1, ports: [{name: mesh, port: 15008}]}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: cart, namespace: shop, labels: {istio.io/use-waypoint: waypoint}}
                spec: {clusterIP: 10.96.5.2, ports: [{name: http, port: 80}, {name: tcp-db, port: 5432}]}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: cart-v2, namespace: shop}
                spec: {clusterIP: 10.96.5.3, ports: [{name: http, port: 80}]}
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: cart, namespace: shop}
                spec:
                  parentRefs: [{group: "", kind: Service, name: cart, port: 80}]
                  rules: [{backendRefs: [{name: cart, port: 80, weight: 90}, {name: cart-v2, port: 80, weight: 10}]}]
                """, TestTokens.ADMIN).statusCode()).isEqualTo(200);
        await().untilAsserted(() -> {
            HttpResponse<String> waypoints = call("GET", "/debug/xds/waypoints?name=shop/waypoint", null, TestTokens.ADMIN);
            assertThat(waypoints.statusCode()).isEqualTo(200);
            assertThat(waypoints.body()).contains("\"name\":\"cart.shop.svc.cluster.local:80\"",
                    "\"@type\":\"type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager\"",
                    "\"name\":\"outbound|80||cart-v2.shop.svc.cluster.local\",\"weight\":10",
                    "\"@type\":\"type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault\"",
                    // a TCP port's listener: its TCP proxy printed too (admin-ui's explainer reads it)
                    "\"name\":\"cart.shop.svc.cluster.local:5432\"",
                    "\"@type\":\"type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy\"");
            assertThat(waypoints.body()).doesNotContain("unprintable");
            assertThat(call("GET", "/store/status?kind=httproute", null, TestTokens.VIEWER).body())
                    .contains("\"type\":\"Accepted\"", "\"type\":\"ResolvedRefs\"", "\"reason\":\"ResolvedRefs\"");
        });
        assertThat(call("GET", "/debug/xds/waypoints?name=shop/none", null, TestTokens.ADMIN).statusCode()).isEqualTo(404);

        assertThat(call("POST", "/store/delete", "apiVersion: v1\nkind: Pod\nmetadata: {name: cart-0, namespace: shop}\n", TestTokens.ADMIN).statusCode())
                .isEqualTo(200);
        await().until(() -> !have.containsKey("address Kubernetes//Pod/shop/cart-0"));
    }

    /**
     * The control-plane dashboard reads istiod's series from a real scrape, with a client connected that
     * received pushes and rejected one: every metric it queries that is not the CA's ({@code citadel_*},
     * checked by the ca-service) is exported, under Istio's names (no {@code _total}, no unit suffix).
     */
    @Test
    void theControlPlaneDashboardQueriesOnlyWhatTheServerExports() throws Exception {
        channel = NettyChannelBuilder.forAddress("127.0.0.1", adsServer.port())
                .sslContext(MeshTls.client(IDENTITY.svid("spiffe://cluster.local/ns/istio-system/sa/ztunnel"), IDENTITY.bundle,
                        PeerPolicy.exactly(SpiffeId.parse("spiffe://cluster.local/ns/istio-system/sa/xds-server"))))
                .build();
        java.util.concurrent.atomic.AtomicBoolean nacked = new java.util.concurrent.atomic.AtomicBoolean();
        client = DeltaAdsClient.builder(channel, Node.newBuilder().setId("ztunnel~node-m").build(), update -> {
            if (update.typeUrl().equals(XdsTypes.AUTHORIZATION) && !update.updated().isEmpty() && nacked.compareAndSet(false, true)) {
                return List.of(new io.ambit.xdsclient.XdsUpdate.Rejected(update.updated().getFirst().name(), "rejected by the test"));
            }
            return List.of();
        }).build().start();
        assertThat(call("POST", "/store/apply", """
                apiVersion: v1
                kind: Namespace
                metadata: {name: metrics, labels: {istio.io/dataplane-mode: ambient}}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: m-0, namespace: metrics}
                spec: {nodeName: node-m, serviceAccountName: m, containers: [{name: c, image: i}]}
                status: {podIP: 10.244.7.9, conditions: [{type: Ready, status: "True"}]}
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: deny-all, namespace: metrics}
                spec: {}
                """, TestTokens.ADMIN).statusCode()).isEqualTo(200);

        var dashboard = io.ambit.service.GrafanaDashboard.load("control-plane.json");
        assertThat(dashboard.metrics()).contains("pilot_xds", "pilot_xds_pushes", "pilot_proxy_convergence_time_bucket",
                "pilot_xds_push_time_bucket", "istio_build", "citadel_server_csr_count");
        await().untilAsserted(() -> {
            String scrape = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + environment.getProperty("local.management.port") + "/actuator/prometheus")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(dashboard.missingFrom(scrape, metric -> !metric.startsWith("citadel_"))).isEmpty();
            assertThat(scrape).containsPattern("(?m)^pilot_xds\\{app=\"xds-server\",version=\"[^\"]*\"} [1-9]")
                    .containsPattern("(?m)^pilot_xds_pushes\\{app=\"xds-server\",type=\"address\"} [1-9]")
                    .containsPattern("(?m)^pilot_total_xds_rejects\\{app=\"xds-server\",type=\"authorization\"} 1.0")
                    .containsPattern("(?m)^pilot_push_triggers\\{app=\"xds-server\",type=\"endpoint\"} [1-9]")
                    .containsPattern("(?m)^istio_build\\{component=\"pilot\",tag=\"[^\"]+\"} 1")
                    .doesNotContain("pilot_xds_pushes_total", "pilot_proxy_convergence_time_seconds");
        });
    }
}
