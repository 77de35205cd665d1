package io.ambit.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 14's L7 scenarios on a two-node lab, against the real control plane: a namespace waypoint
 * that the lab deploys for its Gateway (Programmed only once ready), the namespace bound to it,
 * an HTTPRoute (header match, retries, a 90/10 split), an L7 DENY, fault injection from a
 * VirtualService, L7 ALLOW by path and method, DENY by header, {@code use-waypoint} on a single
 * Service, the namespace's binding added and removed while a client keeps calling (no request lost),
 * the {@code none} opt-out,
 * the waypoint killed (fail closed) and restarted, and its metrics. Scenarios run in order on
 * the shared lab; each restores what it changed, and the last removes the Gateway.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class WaypointScenarios {

    /** In network namespaces as root ({@link WaypointScenariosRootTest}), or on the host ({@link WaypointScenariosHostTest}). */
    abstract Lab.Options options(Lab.Options forTests);

    static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    static final String WEB = "http://10.96.1.10:80";
    static final String WEB_V1 = "http://10.96.1.11:80";
    static final String OTHER = "http://10.96.1.20:80";

    static final String GATEWAY = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: waypoint, namespace: shop}
            spec:
              gatewayClassName: istio-waypoint
              listeners:
                - {name: mesh, port: 15008, protocol: HBONE}
            """;
    static final String SHOP_PLAIN = """
            apiVersion: v1
            kind: Namespace
            metadata:
              name: shop
              labels: {"istio.io/dataplane-mode": ambient}
            """;
    static final String SHOP_BOUND = """
            apiVersion: v1
            kind: Namespace
            metadata:
              name: shop
              labels: {"istio.io/dataplane-mode": ambient, "istio.io/use-waypoint": waypoint}
            """;
    static final String ROUTES = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: web, namespace: shop}
            spec:
              parentRefs:
                - {group: "", kind: Service, name: web, port: 80}
              rules:
                - matches:
                    - headers: [{name: x-version, value: v2}]
                  backendRefs: [{name: web-v2, port: 80}]
                - matches:
                    - path: {type: PathPrefix, value: /flaky}
                  backendRefs: [{name: web, port: 80}]
                  retry: {codes: [503], attempts: 2}
                - matches:
                    - path: {type: PathPrefix, value: /slow}
                  backendRefs: [{name: web, port: 80}]
                  timeouts: {request: 1s}
                - backendRefs:
                    - {name: web-v1, port: 80, weight: 90}
                    - {name: web-v2, port: 80, weight: 10}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata: {name: web-grpc, namespace: shop}
            spec:
              parentRefs:
                - {group: "", kind: Service, name: web, port: 7070}
              rules:
                - matches:
                    - method: {service: ambit.echo.v1.EchoService, method: Echo}
                      headers: [{name: x-version, value: v2}]
                  backendRefs: [{name: web-v2, port: 7070}]
                - backendRefs: [{name: web-v1, port: 7070}]
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: web-no-admin, namespace: shop}
            spec:
              targetRefs:
                - {group: "", kind: Service, name: web}
              action: DENY
              rules:
                - to:
                    - operation: {paths: ["/admin*"]}
            """;

    Lab lab;

    @BeforeAll
    void startLab() throws IOException {
        LabSpec spec = LabSpec.builder(2)
                .ambientNamespace("shop")
                .ambientNamespace("plain")
                .pod("client", "shop", "client", 1, Map.of("app", "client"))
                .pod("web-v1", "shop", "web", 2, Map.of("app", "web", "version", "v1"))
                .pod("web-v2", "shop", "web", 1, Map.of("app", "web", "version", "v2"))
                .pod("other", "plain", "other", 2, Map.of("app", "other"))
                .service("web", "shop", "10.96.1.10", List.of(new LabSpec.Port("http", 80, 8080), new LabSpec.Port("grpc", 7070, 7070),
                                new LabSpec.Port("tcp-echo", 9090, 9090)),
                        Map.of("app", "web"))
                .service("web-v1", "shop", "10.96.1.11", List.of(new LabSpec.Port("http", 80, 8080), new LabSpec.Port("grpc", 7070, 7070)),
                        Map.of("app", "web", "version", "v1"))
                .service("web-v2", "shop", "10.96.1.12", List.of(new LabSpec.Port("http", 80, 8080), new LabSpec.Port("grpc", 7070, 7070)),
                        Map.of("app", "web", "version", "v2"))
                .service("other", "plain", "10.96.1.20", List.of(new LabSpec.Port("http", 80, 8080)), Map.of("app", "other"))
                .build();
        lab = Lab.start(spec, options(Lab.Options.forTests(REPO, Duration.ofHours(1))));
    }

    @AfterAll
    void stopLab() throws IOException {
        if (lab != null) {
            lab.close();
            if (!lab.onHost()) { // on the host it made none (and another run's may exist)
                assertThat(LabNetwork.existing()).as("the lab leaves no namespace behind").isEmpty();
            }
        }
    }

    /** The client pod's echo client, output kept even when requests fail. */
    String call(String url, String... args) throws IOException {
        return lab.echoClientAllowingFailures("client", url, args);
    }

    /** Calls until the answer satisfies {@code wanted}: ztunnels and the waypoint learn a change within seconds. */
    String awaitAnswer(String url, Predicate<String> wanted, String... args) throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        String out = "";
        while (System.nanoTime() < deadline) {
            out = call(url, args);
            if (wanted.test(out)) {
                return out;
            }
            MeshProcess.pause(500);
        }
        throw new AssertionError("no wanted answer from " + url + " within 90 s; last:\n" + out);
    }

    Map<String, Object> gatewayStatus() throws IOException {
        Object parsed = new org.yaml.snakeyaml.Yaml().load(lab.storeGet("/store/status?kind=Gateway"));
        for (Object o : (List<?>) parsed) {
            Map<?, ?> status = (Map<?, ?>) o;
            if ("shop".equals(status.get("namespace")) && "waypoint".equals(status.get("name"))) {
                @SuppressWarnings("unchecked")
                Map<String, Object> typed = (Map<String, Object>) status;
                return typed;
            }
        }
        return Map.of();
    }

    static String condition(Map<String, Object> status, String type) {
        Object conditions = status.get("conditions");
        if (conditions instanceof List<?> list) {
            for (Object c : list) {
                if (c instanceof Map<?, ?> m && type.equals(m.get("type"))) {
                    return m.get("status") + " " + m.get("reason");
                }
            }
        }
        return "absent";
    }

    @Test
    @Order(1)
    void theGatewayIsProgrammedOnlyOnceItsWaypointIsReady() throws IOException {
        lab.apply(GATEWAY);
        // A waypoint JVM takes seconds to start: the first status translation sees no instance yet.
        await().atMost(Duration.ofSeconds(30)).until(() -> !gatewayStatus().isEmpty());
        assertThat(condition(gatewayStatus(), "Programmed")).isEqualTo("False AddressNotAssigned");

        WaypointDeployer.Instance waypoint = lab.waypoints().await("shop", "waypoint");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Map<String, Object> status = gatewayStatus();
            assertThat(condition(status, "Programmed")).isEqualTo("True Programmed");
            assertThat(status.get("addresses").toString()).contains(waypoint.vip().getHostAddress());
        });
        assertThat(MeshProcess.status(waypoint.readyUrl())).isEqualTo(200);
        assertThat(waypoint.ip().getHostAddress()).startsWith(lab.onHost() ? "127.244." : "10.244.");
    }

    @Test
    @Order(2)
    void aNamespaceBoundToTheWaypointGetsItsL7Policy() throws IOException {
        lab.apply(SHOP_BOUND + "---\n" + ROUTES);
        String denied = awaitAnswer(WEB + "/admin", out -> out.contains("status 403"));
        assertThat(denied).contains("RBAC: access denied").doesNotContain("Pod=");
        assertThat(call(WEB + "/", "--header", "x-version=v2")).contains("ok=1");
    }

    @Test
    @Order(3)
    void l4OnlyTrafficToAnUnboundServiceIsUntouched() throws IOException {
        // "other" is in an ambient namespace without a waypoint: the same path is answered by its pod
        String out = call(OTHER + "/admin");
        assertThat(out).contains("Pod=other").contains("ok=1");
        assertThat(out).doesNotContainIgnoringCase("x-envoy-attempt-count").doesNotContain("x-request-id");
    }

    @Test
    @Order(4)
    void headerRoutingSendsEveryMatchingRequestToV2() throws IOException {
        String out = call(WEB + "/", "--count", "20", "--header", "x-version=v2");
        assertThat(out).contains("ok=20");
        assertThat(out.lines().filter(l -> l.equals("Pod=web-v2")).count()).isEqualTo(20);
    }

    @Test
    @Order(5)
    void grpcCallsAreRoutedByMethodAndHeader() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeFalse(lab.onHost(), "on the host the echo client reaches ztunnel through SOCKS5, "
                + "which its gRPC client does not speak; WaypointScenariosRootTest runs this in namespaces");
        String v1 = call("10.96.1.10:7070", "--protocol", "grpc", "--count", "5");
        assertThat(v1).contains("ok=5");
        assertThat(v1.lines().filter(l -> l.equals("Pod=web-v1")).count()).isEqualTo(5);
        String v2 = call("10.96.1.10:7070", "--protocol", "grpc", "--count", "5", "--header", "x-version=v2");
        assertThat(v2).contains("ok=5");
        assertThat(v2.lines().filter(l -> l.equals("Pod=web-v2")).count()).isEqualTo(5);
    }

    @Test
    @Order(6)
    void aNinetyTenSplitHoldsWithinFivePercentOverAThousandRequests() throws IOException {
        String out = call(WEB + "/", "--count", "1000");
        assertThat(out).contains("ok=1000");
        long v1 = out.lines().filter(l -> l.equals("Pod=web-v1")).count();
        long v2 = out.lines().filter(l -> l.equals("Pod=web-v2")).count();
        assertThat(v1 + v2).isEqualTo(1000);
        assertThat(v1).as("web-v1 of 1,000 (90 %% ± 5 %%)").isBetween(850L, 950L);
    }

    @Test
    @Order(7)
    void retriesHideABackendThatFailsEveryThirdRequest() throws IOException {
        String out = call(WEB + "/flaky?fail_every=3", "--count", "30");
        assertThat(out).contains("ok=30 failed=0");
        // the answers that needed a second attempt say so; with two backends failing every third, some must have
        assertThat(out.lines().filter(l -> l.toLowerCase(java.util.Locale.ROOT).startsWith("requestheader=x-envoy-attempt-count:")))
                .isNotEmpty();
    }

    @Test
    @Order(8)
    void aBackendSlowerThanTheRouteTimeoutIsAnswered504() throws IOException {
        String out = call(WEB + "/slow?delay=3000", "--timeout", "5s");
        assertThat(out).contains("status 504").contains("upstream request timeout").doesNotContain("Pod=");
        assertThat(call(WEB + "/slow?delay=10")).contains("ok=1"); // within the timeout
    }

    @Test
    @Order(9)
    void istioRequestsTotalIsCountedPerResponseCode() throws IOException {
        WaypointDeployer.Instance waypoint = lab.waypoints().instance("shop", "waypoint").orElseThrow();
        Map<String, String> base = Map.of("reporter", "waypoint", "destination_service", "web.shop.svc.cluster.local");
        assertThat(Prometheus.sum(waypoint.metricsUrl(), "istio_requests_total", with(base, "response_code", "403"))).isGreaterThanOrEqualTo(1);
        assertThat(Prometheus.sum(waypoint.metricsUrl(), "istio_requests_total",
                Map.of("reporter", "waypoint", "response_code", "504", "response_flags", "UT"))).isGreaterThanOrEqualTo(1);
        assertThat(Prometheus.sum(waypoint.metricsUrl(), "istio_requests_total", with(base, "response_code", "200"))).isGreaterThanOrEqualTo(1000);
        assertThat(Prometheus.sum(waypoint.metricsUrl(), "istio_requests_total",
                Map.of("reporter", "waypoint", "source_principal", "spiffe://cluster.local/ns/shop/sa/client"))).isGreaterThan(0);
    }

    static Map<String, String> with(Map<String, String> base, String key, String value) {
        Map<String, String> all = new java.util.HashMap<>(base);
        all.put(key, value);
        return all;
    }

    static final String WEB_V2 = "http://10.96.1.12:80";

    /** The lab's own definition of a service, to restore it after a scenario relabelled it. */
    String originalService(String name) {
        return KubeObjects.service(lab.spec().services().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow());
    }

    @Test
    @Order(10)
    void faultInjectionFromAVirtualServiceAbortsAndDelays() throws IOException {
        String faults = """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: web-v2-faults, namespace: shop}
                spec:
                  hosts: [web-v2]
                  http:
                    - match: [{uri: {prefix: /abort}}]
                      fault: {abort: {httpStatus: 418, percentage: {value: 100}}}
                      route: [{destination: {host: web-v2}}]
                    - match: [{uri: {prefix: /delay}}]
                      fault: {delay: {fixedDelay: 200ms, percentage: {value: 100}}}
                      route: [{destination: {host: web-v2}}]
                    - route: [{destination: {host: web-v2}}]
                """;
        lab.apply(faults);
        try {
            String aborted = awaitAnswer(WEB_V2 + "/abort", o -> o.contains("status 418"));
            assertThat(aborted).contains("fault filter abort").doesNotContain("Pod=");
            assertThat(call(WEB_V2 + "/delay")).contains("ok=1").contains("Pod=web-v2");
            assertThat(call(WEB_V2 + "/")).contains("ok=1").contains("Pod=web-v2");
            WaypointDeployer.Instance waypoint = lab.waypoints().instance("shop", "waypoint").orElseThrow();
            assertThat(Prometheus.sum(waypoint.metricsUrl(), "istio_requests_total",
                    Map.of("reporter", "waypoint", "response_code", "418", "response_flags", "FI"))).isGreaterThanOrEqualTo(1);
            assertThat(Prometheus.sum(waypoint.metricsUrl(), "istio_requests_total",
                    Map.of("reporter", "waypoint", "response_code", "200", "response_flags", "DI"))).isGreaterThanOrEqualTo(1);
        } finally {
            lab.delete(faults);
        }
        assertThat(awaitAnswer(WEB_V2 + "/abort", o -> o.contains("ok=1"))).contains("Pod=web-v2");
    }

    @Test
    @Order(11)
    void anL7AllowByPathAndMethodLetsOnlyWhatBothMatch() throws IOException {
        String allow = """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: web-v1-allow, namespace: shop}
                spec:
                  targetRefs:
                    - {group: "", kind: Service, name: web-v1}
                  action: ALLOW
                  rules:
                    - to: [{operation: {paths: ["/public*"], methods: ["GET"]}}]
                    - to: [{operation: {paths: ["/write*"], methods: ["POST"]}}]
                """;
        lab.apply(allow);
        try {
            assertThat(awaitAnswer(WEB_V1 + "/private", o -> o.contains("status 403"))).contains("RBAC: access denied");
            assertThat(call(WEB_V1 + "/public/page")).contains("ok=1").contains("Pod=web-v1");
            // the path matches the second rule but a GET is not its method: both must match
            assertThat(call(WEB_V1 + "/write")).contains("status 403").doesNotContain("Pod=");
        } finally {
            lab.delete(allow);
        }
        assertThat(awaitAnswer(WEB_V1 + "/private", o -> o.contains("ok=1"))).contains("Pod=web-v1");
    }

    @Test
    @Order(12)
    void anL7DenyByHeaderIs403WhileL4OnlyTrafficIsUntouched() throws IOException {
        String deny = """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: web-v1-deny-header, namespace: shop}
                spec:
                  targetRefs:
                    - {group: "", kind: Service, name: web-v1}
                  action: DENY
                  rules:
                    - when: [{key: "request.headers[x-block]", values: ["yes"]}]
                """;
        lab.apply(deny);
        try {
            assertThat(awaitAnswer(WEB_V1 + "/", o -> o.contains("status 403"), "--header", "x-block=yes")).contains("RBAC: access denied");
            assertThat(call(WEB_V1 + "/", "--header", "x-block=no")).contains("ok=1").contains("Pod=web-v1");
            // a service with no waypoint: ztunnel cannot see headers, and the policy does not target it
            assertThat(call(OTHER + "/", "--header", "x-block=yes")).contains("ok=1").contains("Pod=other");
        } finally {
            lab.delete(deny);
        }
        awaitAnswer(WEB_V1 + "/", o -> o.contains("ok=1"), "--header", "x-block=yes");
    }

    @Test
    @Order(13)
    void useWaypointOnAServiceBindsThatServiceOnly() throws IOException {
        String labelled = """
                apiVersion: v1
                kind: Service
                metadata:
                  name: web-v1
                  namespace: shop
                  labels: {"istio.io/use-waypoint": waypoint}
                spec:
                  clusterIP: 10.96.1.11
                  ports: [{name: http, port: 80, targetPort: 8080}]
                  selector: {app: web, version: v1}
                """;
        lab.apply(SHOP_PLAIN + "---\n" + labelled); // the namespace no longer binds: only the Service's own label does
        try {
            // the waypoint sets x-request-id on what it forwards: web-v1 has one, web-v2 (unbound now) none
            assertThat(awaitAnswer(WEB_V1 + "/", o -> o.contains("ok=1") && o.contains("x-request-id"))).contains("Pod=web-v1");
            assertThat(awaitAnswer(WEB_V2 + "/", o -> o.contains("ok=1") && !o.contains("x-request-id"))).contains("Pod=web-v2");
        } finally {
            lab.apply(SHOP_BOUND + "---\n" + originalService("web-v1"));
        }
        awaitAnswer(WEB_V2 + "/", o -> o.contains("ok=1") && o.contains("x-request-id"));
    }

    static final String SA_GATEWAY = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata:
              name: web-v2-wp
              namespace: shop
              labels: {"istio.io/waypoint-for": workload}
            spec:
              gatewayClassName: istio-waypoint
              listeners:
                - {name: mesh, port: 15008, protocol: HBONE}
            """;

    /** The lab's own definition of a pod, with more labels. */
    String podWith(String name, Map<String, String> more) {
        LabSpec.PodSpec pod = lab.spec().pods().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
        Map<String, String> labels = new java.util.HashMap<>(pod.labels());
        labels.putAll(more);
        return KubeObjects.pod(new LabSpec.PodSpec(pod.name(), pod.namespace(), pod.serviceAccount(), pod.node(), labels, pod.ip()));
    }

    String podUrl(String name) {
        return "http://" + lab.spec().pods().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow().ip().getHostAddress()
                + ":8080";
    }

    @Test
    @Order(14)
    void aPodBoundToAWorkloadWaypointIsReachedThroughItAnUnboundPodDirectly() throws IOException {
        // ./mesh status's table, as LabMain keeps it: it must follow the deployer
        Path tableFile = lab.runDir().resolve("processes-under-test");
        ProcessTableFile table = new ProcessTableFile(tableFile, lab::processTable);
        table.write();
        lab.waypoints().onChange(table::write);
        assertThat(java.nio.file.Files.readString(tableFile)).doesNotContain("web-v2-wp");
        lab.apply(SA_GATEWAY);
        String bound = podWith("web-v2", Map.of("istio.io/use-waypoint", "web-v2-wp"));
        try {
            WaypointDeployer.Instance saWaypoint = lab.waypoints().await("shop", "web-v2-wp");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(java.nio.file.Files.readString(tableFile))
                    .contains("waypoint-shop-web-v2-wp-0 " + saWaypoint.process().pid() + " " + saWaypoint.readyUrl()));
            lab.apply(bound);
            // workload-addressed: ztunnel sends podIP:8080 to the pod's waypoint, which sets x-request-id on what it forwards
            String out = awaitAnswer(podUrl("web-v2") + "/by-ip", o -> o.contains("ok=1") && o.contains("x-request-id"));
            assertThat(out).contains("Pod=web-v2");
            assertThat(Prometheus.sum(saWaypoint.metricsUrl(), "istio_requests_total",
                    Map.of("reporter", "waypoint", "response_code", "200", "source_principal", "spiffe://cluster.local/ns/shop/sa/client")))
                    .isGreaterThanOrEqualTo(1);
            // the namespace's waypoint serves services only: web-v1's pod, by its IP, is reached directly
            assertThat(call(podUrl("web-v1") + "/by-ip")).contains("ok=1").contains("Pod=web-v1").doesNotContain("x-request-id");
            // service traffic still takes the namespace's waypoint, not the workload's
            assertThat(call(WEB + "/", "--header", "x-version=v2")).contains("ok=1").contains("Pod=web-v2");
        } finally {
            lab.apply(podWith("web-v2", Map.of()));
            lab.delete(SA_GATEWAY);
        }
        lab.waypoints().awaitRemoved("shop", "web-v2-wp");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(java.nio.file.Files.readString(tableFile))
                .doesNotContain("web-v2-wp").contains("waypoint-shop-waypoint-0"));
        assertThat(awaitAnswer(podUrl("web-v2") + "/by-ip", o -> o.contains("ok=1") && !o.contains("x-request-id"))).contains("Pod=web-v2");
    }

    @Test
    @Order(15)
    void aTcpPortOfABoundServiceIsProxiedAsBytesCountedAsTcpAndPeersAreLabelled() throws IOException {
        // web-no-admin DENYs paths /admin* on web: a byte stream has no path, so on the TCP port the rule
        // loses it and denies every connection (Istio's TCP rules fail closed); the tunnel closes unanswered
        assertThat(call("10.96.1.10:9090", "--protocol", "tcp", "--timeout", "3s")).contains("failed=1").doesNotContain("ok=1");
        String noAdmin = ROUTES.substring(ROUTES.indexOf("apiVersion: security.istio.io/v1"));
        lab.delete(noAdmin);
        String out;
        try {
            // "tcp-echo": not HTTP by Istio's protocol selection, so the waypoint relays bytes (an HTTP chain would answer 400)
            out = awaitAnswer("10.96.1.10:9090", o -> o.contains("ok=3"), "--protocol", "tcp", "--count", "3");
        } finally {
            lab.apply(noAdmin);
        }
        assertThat(out).contains("hello").doesNotContain("HTTP/1.1 400");
        awaitAnswer(WEB + "/admin", o -> o.contains("status 403"));
        WaypointDeployer.Instance waypoint = lab.waypoints().instance("shop", "waypoint").orElseThrow();
        Map<String, String> tcp = Map.of("reporter", "waypoint", "destination_service", "web.shop.svc.cluster.local",
                "request_protocol", "tcp", "source_principal", "spiffe://cluster.local/ns/shop/sa/client");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(Prometheus.sum(waypoint.metricsUrl(), "istio_tcp_connections_opened_total", tcp)).isGreaterThanOrEqualTo(3);
            assertThat(Prometheus.sum(waypoint.metricsUrl(), "istio_tcp_connections_closed_total", tcp)).isGreaterThanOrEqualTo(3);
            assertThat(Prometheus.sum(waypoint.metricsUrl(), "istio_tcp_received_bytes_total", tcp)).isGreaterThanOrEqualTo(15);
            assertThat(Prometheus.sum(waypoint.metricsUrl(), "istio_tcp_sent_bytes_total", tcp)).isGreaterThanOrEqualTo(15);
        });
        // both peers by their workloads, which the waypoint learns over xDS as ztunnel does. On the host
        // the destination only: a pod's application reaches its ztunnel through SOCKS5 from the host's
        // loopback, so the tunnel's forwarded client address is not the pod's and names no workload.
        Map<String, String> peers = new java.util.HashMap<>(Map.of("reporter", "waypoint", "destination_app", "web",
                "destination_version", "v2", "destination_principal", "spiffe://cluster.local/ns/shop/sa/web"));
        if (!lab.onHost()) {
            peers.putAll(Map.of("source_workload", "client", "source_app", "client"));
        }
        assertThat(Prometheus.sum(waypoint.metricsUrl(), "istio_requests_total", peers)).isGreaterThan(0);
    }

    /** {@code ok=N failed=M} summed over every echo client run whose output is given. */
    static int[] okAndFailed(List<String> outputs) {
        int ok = 0;
        int failed = 0;
        java.util.regex.Pattern summary = java.util.regex.Pattern.compile("ok=(\\d+) failed=(\\d+)");
        for (String out : outputs) {
            java.util.regex.Matcher m = summary.matcher(out);
            if (!m.find()) {
                throw new AssertionError("an echo client run printed no summary:\n" + out);
            }
            ok += Integer.parseInt(m.group(1));
            failed += Integer.parseInt(m.group(2));
        }
        return new int[] {ok, failed};
    }

    @Test
    @Order(16)
    void bindingAndUnbindingTheNamespaceWhileRequestsFlowLosesNone() throws Exception {
        // the waypoint runs already; the namespace's use-waypoint label comes and goes while a client
        // keeps calling (each request on its own connection, so each change meets new tunnels too)
        List<String> runs = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<String> changes = new java.util.concurrent.CopyOnWriteArrayList<>(); // when each label change was applied
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread client = Thread.ofPlatform().name("bind-loop").start(() -> {
            while (!stop.get()) {
                try {
                    String started = java.time.Instant.now().toString();
                    String out = call(WEB + "/", "--count", "25", "--timeout", "5s");
                    runs.add("run " + started + " to " + java.time.Instant.now() + ":\n" + out);
                } catch (IOException e) {
                    runs.add("client run failed: " + e);
                }
            }
        });
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> !runs.isEmpty()); // the loop runs before the first change
            for (int i = 0; i < 3; i++) {
                lab.apply(SHOP_PLAIN);
                changes.add("unbound at " + java.time.Instant.now());
                awaitAnswer(WEB_V1 + "/", o -> o.contains("ok=1") && !o.contains("x-request-id"));
                lab.apply(SHOP_BOUND);
                changes.add("bound at " + java.time.Instant.now());
                awaitAnswer(WEB_V1 + "/", o -> o.contains("ok=1") && o.contains("x-request-id"));
            }
            int seen = runs.size();
            await().atMost(Duration.ofSeconds(60)).until(() -> runs.size() > seen); // one whole run after the last change
        } finally {
            stop.set(true);
            client.join(Duration.ofMinutes(2));
            lab.apply(SHOP_BOUND);
        }
        int[] counts = okAndFailed(runs);
        assertThat(counts[1]).as("requests failed while the label changed (%s); runs with failures:%n%s", changes,
                String.join("\n", runs.stream().filter(r -> !r.contains(" failed=0")).toList())).isZero();
        assertThat(counts[0]).isGreaterThan(0);
    }

    @Test
    @Order(30)
    void aServiceLabelledNoneBypassesTheWaypoint() throws IOException {
        String optedOut = """
                apiVersion: v1
                kind: Service
                metadata:
                  name: web-v1
                  namespace: shop
                  labels: {"istio.io/use-waypoint": none}
                spec:
                  clusterIP: 10.96.1.11
                  ports: [{name: http, port: 80, targetPort: 8080}]
                  selector: {app: web, version: v1}
                """;
        lab.apply(optedOut);
        try {
            // the waypoint sets x-request-id on every request it forwards: the echo shows none, so no waypoint was on the path
            String out = awaitAnswer(WEB_V1 + "/", o -> o.contains("ok=1") && !o.contains("x-request-id"));
            assertThat(out).contains("Pod=web-v1");
        } finally {
            lab.apply(KubeObjects.service(lab.spec().services().stream().filter(s -> s.name().equals("web-v1")).findFirst().orElseThrow()));
        }
        awaitAnswer(WEB_V1 + "/", o -> o.contains("ok=1") && o.contains("x-request-id"));
    }

    @Test
    @Order(31)
    void aKilledWaypointFailsClosedAndServesAgainOnceRestarted() throws Exception {
        WaypointDeployer.Instance waypoint = lab.waypoints().instance("shop", "waypoint").orElseThrow();
        waypoint.process().kill();
        try {
            String out = call(WEB + "/admin", "--timeout", "3s");
            // never bypassed: no backend answers (a bypass would answer /admin with 200 from a pod)
            assertThat(out).contains("failed=1").doesNotContain("Pod=");
            assertThat(call(WEB + "/", "--timeout", "3s")).contains("failed=1").doesNotContain("Pod=");
        } finally {
            lab.waypoints().restart("shop", "waypoint");
        }
        assertThat(awaitAnswer(WEB + "/", o -> o.contains("ok=1"))).contains("Pod=web-");
        assertThat(call(WEB + "/admin")).contains("status 403");
    }

    @Test
    @Order(32)
    void deletingTheGatewayRemovesItsWaypointAndTheBindingGoesWithIt() throws IOException {
        lab.apply(SHOP_PLAIN);
        lab.delete(ROUTES);
        lab.delete(GATEWAY);
        lab.waypoints().awaitRemoved("shop", "waypoint");
        await().atMost(Duration.ofSeconds(30)).until(() -> gatewayStatus().isEmpty());
        // back to L4 only: the pods answer every path themselves
        assertThat(awaitAnswer(WEB + "/admin", o -> o.contains("ok=1"))).contains("Pod=web-").doesNotContain("x-request-id");
    }
}
