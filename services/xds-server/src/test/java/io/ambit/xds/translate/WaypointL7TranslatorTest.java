package io.ambit.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code translate/l7.yaml} → each waypoint's Envoy resources and every route's status. */
class WaypointL7TranslatorTest {

    static WaypointL7Translator.Result result;
    static WaypointConfig waypoint;

    @BeforeAll
    static void translate() {
        result = WaypointL7Translator.translate(Fixtures.load("l7.yaml"));
        waypoint = result.waypoints().get("demo/waypoint");
    }

    @Test
    void everyBoundServicePortGetsAListenerAndARouteTableNamedAsIstiodNamesThem() {
        assertThat(result.waypoints()).containsOnlyKeys("demo/waypoint");
        assertThat(waypoint.listeners()).extracting(Listener::getName).containsExactly(
                "backend-v2.demo.svc.cluster.local:7070", "backend.demo.svc.cluster.local:7070", "ratings.demo.svc.cluster.local:8000",
                "reviews-v1.demo.svc.cluster.local:9080", "reviews-v2.demo.svc.cluster.local:9080",
                "reviews.demo.svc.cluster.local:9080");
        Listener reviews = waypoint.listeners().get(5);
        assertThat(reviews.getAddress().getSocketAddress().getAddress()).isEqualTo("10.96.0.20");
        assertThat(reviews.getAddress().getSocketAddress().getPortValue()).isEqualTo(9080);
        HttpConnectionManager hcm = unpack(reviews.getApiListener().getApiListener(), HttpConnectionManager.class);
        assertThat(hcm.getRds().getRouteConfigName()).isEqualTo("outbound|9080||reviews.demo.svc.cluster.local");
        assertThat(hcm.getRds().getConfigSource().hasAds()).isTrue();
        assertThat(hcm.getHttpFiltersList()).extracting(f -> f.getName()).endsWith("envoy.filters.http.router");
        assertThat(routeConfig("reviews", 9080).getVirtualHosts(0).getDomainsList()).containsExactly(
                "reviews.demo.svc.cluster.local", "reviews.demo.svc.cluster.local:9080", "10.96.0.20", "10.96.0.20:9080");
    }

    @Test
    void anUnroutedServiceGetsIstiodsDefaultRoute() {
        assertThat(routeConfig("reviews-v1", 9080).getVirtualHosts(0).getRoutesList()).containsExactly(proto(Route.class, """
                name: "default" match { prefix: "/" }
                route { cluster: "outbound|9080||reviews-v1.demo.svc.cluster.local" timeout {} max_stream_duration { max_stream_duration {} }
                  retry_policy { retry_on: "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes"
                    num_retries { value: 2 } host_selection_retry_max_attempts: 5
                    retry_host_predicate { name: "envoy.retry_host_predicates.previous_hosts"
                      typed_config { [type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate] {} } } } }"""));
    }

    @Test
    void aWeightedSplitWithHeaderModifiersMirrorTimeoutsAndRetries() {
        Route split = route("reviews", 9080, "demo.reviews.0");
        assertThat(split).isEqualTo(proto(Route.class, """
                name: "demo.reviews.0" match { prefix: "/" case_sensitive { value: true } }
                request_headers_to_add { header { key: "x-a" value: "1" } append_action: OVERWRITE_IF_EXISTS_OR_ADD }
                request_headers_to_add { header { key: "x-b" value: "2" } append_action: OVERWRITE_IF_EXISTS_OR_ADD }
                request_headers_to_add { header { key: "x-c" value: "3" } append_action: APPEND_IF_EXISTS_OR_ADD }
                request_headers_to_remove: "x-d"
                response_headers_to_add { header { key: "x-served-by" value: "waypoint" } append_action: APPEND_IF_EXISTS_OR_ADD }
                route {
                  weighted_clusters {
                    clusters { name: "outbound|9080||reviews-v1.demo.svc.cluster.local" weight { value: 90 } }
                    clusters { name: "outbound|9080||reviews-v2.demo.svc.cluster.local" weight { value: 10 } }
                  }
                  cluster_not_found_response_code: INTERNAL_SERVER_ERROR
                  timeout { seconds: 10 }
                  max_stream_duration { max_stream_duration { seconds: 10 } }
                  request_mirror_policies { cluster: "outbound|9080||reviews-v2.demo.svc.cluster.local"
                    runtime_fraction { default_value { numerator: 250000 denominator: MILLION } } }
                  retry_policy { retry_on: "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes"
                    num_retries { value: 3 } per_try_timeout { seconds: 2 }
                    retriable_status_codes: 503 retriable_status_codes: 504
                    retry_back_off { base_interval { nanos: 100000000 } }
                    host_selection_retry_max_attempts: 5
                    retry_host_predicate { name: "envoy.retry_host_predicates.previous_hosts"
                      typed_config { [type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate] {} } } }
                }"""));
    }

    @Test
    void redirectAndRewriteFollowIstiod() {
        assertThat(route("reviews", 9080, "demo.reviews.1").getRedirect()).isEqualTo(proto(
                io.envoyproxy.envoy.config.route.v3.RedirectAction.class,
                "host_redirect: \"admin.example.com\" scheme_redirect: \"https\" response_code: FOUND"));
        Route rewrite = route("reviews", 9080, "demo.reviews.2");
        assertThat(rewrite.getMatch().getPathSeparatedPrefix()).isEqualTo("/v2");
        assertThat(rewrite.getRoute().getRegexRewrite()).isEqualTo(proto(io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute.class,
                "pattern { regex: \"^/v2(/?)(.*)\" } substitution: \"/\\\\2\""));
        assertThat(rewrite.getRoute().getHostRewriteLiteral()).isEqualTo("reviews-v2.demo.svc.cluster.local");
        // backendRequest without a retry stanza is the route timeout (istiod), and the mesh default retry applies
        assertThat(rewrite.getRoute().getTimeout().getSeconds()).isEqualTo(1);
        assertThat(rewrite.getRoute().getRetryPolicy().getNumRetries().getValue()).isEqualTo(2);
        assertThat(rewrite.getRoute().getCluster()).isEqualTo("outbound|9080||reviews-v2.demo.svc.cluster.local");
    }

    @Test
    void routesAreOrderedByGatewayApiPrecedence() {
        List<String> order = routeConfig("reviews", 9080).getVirtualHosts(0).getRoutesList().stream()
                .map(r -> r.getName() + " " + describe(r)).toList();
        assertThat(order).containsExactly(
                "demo.reviews.1 path=/admin",                      // Exact, longer
                "exact path=/api",                                 // Exact
                "oldest-long-prefix prefix=/api/v1",               // longest prefix; oldest object first
                "long-prefix prefix=/api/v1",
                "short-prefix-method-headers prefix=/api method",  // same prefix: method first,
                "short-prefix-method-headers prefix=/api headers=2", // then more headers,
                "short-prefix-method-headers prefix=/api headers=1 query=2", // then more query parameters
                "short-prefix-method-headers prefix=/api headers=1 query=1",
                "demo.reviews.2 prefix=/v2",                       // "/v2/" counts without its trailing slash
                "demo.reviews.0 prefix=/",
                "regex regex=/api/v[0-9]+/.*");                    // RegularExpression after every prefix
    }

    @Test
    void aGrpcRouteSplitsByMethod() {
        List<Route> routes = routeConfig("backend", 7070).getVirtualHosts(0).getRoutesList();
        assertThat(routes).extracting(RouteConfigurationsText::describe)
                .containsExactly("path=/demo.Echo/Say", "prefix=/demo.Echo");
        assertThat(routes.getFirst().getRoute().getWeightedClusters().getClustersList())
                .extracting(c -> c.getName() + "=" + c.getWeight().getValue())
                .containsExactly("outbound|7070||backend.demo.svc.cluster.local=90", "outbound|7070||backend-v2.demo.svc.cluster.local=10");
    }

    @Test
    void clustersAndEndpointsForEveryServiceARouteReaches() {
        assertThat(waypoint.clusters()).extracting(Cluster::getName).contains(
                "outbound|9080||reviews-v1.demo.svc.cluster.local", "outbound|9080||reviews-v2.demo.svc.cluster.local",
                "outbound|5432||db.other.svc.cluster.local")
                .doesNotContain("outbound|6379||cache.other.svc.cluster.local", "outbound|80||ghost.demo.svc.cluster.local");
        Cluster v2 = waypoint.clusters().stream().filter(c -> c.getName().contains("reviews-v2")).findFirst().orElseThrow();
        assertThat(v2).isEqualTo(proto(Cluster.class, """
                name: "outbound|9080||reviews-v2.demo.svc.cluster.local" type: EDS
                eds_cluster_config { eds_config { ads {} resource_api_version: V3 } service_name: "outbound|9080||reviews-v2.demo.svc.cluster.local" }
                connect_timeout { seconds: 10 }"""));
        Map<String, ClusterLoadAssignment> endpoints = waypoint.endpoints().stream()
                .collect(Collectors.toMap(ClusterLoadAssignment::getClusterName, Function.identity()));
        assertThat(addresses(endpoints.get("outbound|9080||reviews.demo.svc.cluster.local")))
                .containsExactly("10.244.0.11:8080", "10.244.0.12:9090"); // named target port "http", resolved per pod
        assertThat(addresses(endpoints.get("outbound|9080||reviews-v2.demo.svc.cluster.local"))).containsExactly("10.244.0.12:8080");
        // a pod that has completed is no endpoint
        assertThat(addresses(endpoints.get("outbound|7070||backend.demo.svc.cluster.local"))).containsExactly("10.244.0.21:7070");
    }

    @Test
    void routeStatusHasAcceptedAndResolvedRefsPerParentWithIstiosReasons() {
        assertThat(status("HTTPRoute", "reviews", 0)).satisfies(s -> {
            assertThat(s.accepted()).isTrue();
            assertThat(s.acceptedMessage()).contains("bound to waypoint demo/waypoint");
            assertThat(s.resolvedReason()).isEqualTo("ResolvedRefs");
            assertThat(s.controllerName()).isEqualTo("istio.io/mesh-controller");
        });
        RouteParentStatus refs = status("HTTPRoute", "refs", 0);
        assertThat(refs.accepted()).isTrue();
        assertThat(refs.resolvedRefs()).isFalse();
        assertThat(refs.resolvedReason()).isEqualTo("RefNotPermitted");
        assertThat(refs.resolvedMessage()).contains("backendRef cache/other not accessible to a HTTPRoute in namespace \"demo\"")
                .contains("backend(ghost.demo.svc.cluster.local) not found");
        assertThat(refs.resolvedMessage()).doesNotContain("db/other");
        assertThat(status("HTTPRoute", "orphan", 0)).satisfies(s -> {
            assertThat(s.accepted()).isFalse();
            assertThat(s.acceptedReason()).isEqualTo("NoMatchingParent");
        });
        assertThat(status("HTTPRoute", "orphan", 1).acceptedReason()).isEqualTo("NoMatchingParent");
        assertThat(status("GRPCRoute", "backend", 0).resolvedRefs()).isTrue();
    }

    @Test
    void unresolvedBackendsAndZeroWeightsAnswer500() {
        RouteConfiguration ratings = routeConfig("ratings", 8000);
        Route ghost = ratings.getVirtualHosts(0).getRoutesList().stream().filter(r -> describe(r).equals("prefix=/ghost"))
                .findFirst().orElseThrow();
        assertThat(ghost.getRoute().getCluster()).isEqualTo("outbound|80||ghost.demo.svc.cluster.local");
        assertThat(ghost.getRoute().getClusterNotFoundResponseCode())
                .isEqualTo(io.envoyproxy.envoy.config.route.v3.RouteAction.ClusterNotFoundResponseCode.INTERNAL_SERVER_ERROR);
        Route zero = ratings.getVirtualHosts(0).getRoutesList().stream().filter(r -> describe(r).equals("prefix=/zero"))
                .findFirst().orElseThrow();
        assertThat(zero.getDirectResponse().getStatus()).isEqualTo(500);
    }

    @Test
    void l7AuthorizationIsRbacDenyBeforeAllowWithoutUserRegexes() {
        Listener reviews = waypoint.listeners().stream().filter(l -> l.getName().equals("reviews.demo.svc.cluster.local:9080"))
                .findFirst().orElseThrow();
        HttpConnectionManager hcm = unpack(reviews.getApiListener().getApiListener(), HttpConnectionManager.class);
        assertThat(hcm.getHttpFiltersList()).extracting(f -> f.getName())
                .containsExactly("envoy.filters.http.rbac", "envoy.filters.http.rbac", "envoy.filters.http.fault", "envoy.filters.http.router");
        var deny = unpack(hcm.getHttpFilters(0).getTypedConfig(), io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class).getRules();
        var allow = unpack(hcm.getHttpFilters(1).getTypedConfig(), io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class).getRules();
        assertThat(deny.getAction()).isEqualTo(io.envoyproxy.envoy.config.rbac.v3.RBAC.Action.DENY);
        assertThat(deny.getPoliciesMap()).containsOnlyKeys("ns[demo]-policy[deny-admin]-rule[0]", "ns[demo]-policy[by-selector]-rule[0]");
        assertThat(deny.getPoliciesMap().get("ns[demo]-policy[deny-admin]-rule[0]")).isEqualTo(proto(io.envoyproxy.envoy.config.rbac.v3.Policy.class, """
                permissions { and_rules { rules { or_rules { rules { and_rules {
                  rules { not_rule { or_rules { rules { header { name: ":method" string_match { exact: "GET" } } } } } }
                  rules { or_rules { rules { url_path { path { prefix: "/admin" } } } } }
                } } } } } }
                principals { and_ids { ids { or_ids { ids { and_ids { ids { not_id { or_ids { ids {
                  authenticated { principal_name { contains: "/ns/demo/sa/" } } } } } } } } } } } }"""));
        // the JWT condition cannot be enforced: in a DENY, only that constraint goes (it denies more)
        assertThat(deny.getPoliciesMap().get("ns[demo]-policy[by-selector]-rule[0]")).isEqualTo(proto(io.envoyproxy.envoy.config.rbac.v3.Policy.class, """
                permissions { and_rules { rules { and_rules { rules { or_rules { rules { destination_port: 7070 } } } } } } }
                principals { any: true }"""));
        assertThat(allow.getAction()).isEqualTo(io.envoyproxy.envoy.config.rbac.v3.RBAC.Action.ALLOW);
        // rules[1] (JWT) and rules[2] (a namespace wildcard needing a regex) fail closed: left out of an ALLOW
        assertThat(allow.getPoliciesMap()).containsOnlyKeys("ns[demo]-policy[reviews-readers]-rule[0]");
        assertThat(allow.getPoliciesMap().get("ns[demo]-policy[reviews-readers]-rule[0]")).isEqualTo(proto(io.envoyproxy.envoy.config.rbac.v3.Policy.class, """
                permissions { and_rules {
                  rules { or_rules { rules { and_rules {
                    rules { or_rules { rules { header { name: ":authority" string_match { suffix: ".demo.svc.cluster.local" ignore_case: true } } } } }
                    rules { or_rules {
                      rules { header { name: ":method" string_match { exact: "GET" } } }
                      rules { header { name: ":method" string_match { exact: "HEAD" } } } } }
                    rules { or_rules { rules { destination_port: 9080 } } } } } } }
                  rules { and_rules { rules { or_rules { rules { header { name: "x-team" present_match: true } } } } } } } }
                principals { and_ids {
                  ids { or_ids { ids { and_ids {
                    ids { or_ids { ids { authenticated { principal_name { exact: "spiffe://cluster.local/ns/demo/sa/productpage" } } } } }
                    ids { or_ids { ids { authenticated { principal_name { suffix: "/ns/other/sa/sleep" } } } } } } } } }
                  ids { and_ids { ids { or_ids { ids { direct_remote_ip { address_prefix: "10.244.0.0" prefix_len { value: 16 } } } } } } } } }"""));
        assertThat(result.findings()).extracting(Finding::message).contains(
                "rules[1]: requestPrincipals (JWT) cannot be enforced by the waypoint; the rule is left out, so the policy allows less than written",
                "rules[2]: namespace wildcard \"team-*\" cannot be enforced by the waypoint; the rule is left out, so the policy allows less than written",
                "rules[0]: when key \"request.auth.claims[iss]\" cannot be enforced by the waypoint; that constraint is left out, so the rule denies more than written");
        // a service no ALLOW policy targets gets only the DENY filter
        Listener ratings = waypoint.listeners().stream().filter(l -> l.getName().equals("ratings.demo.svc.cluster.local:8000"))
                .findFirst().orElseThrow();
        assertThat(unpack(ratings.getApiListener().getApiListener(), HttpConnectionManager.class).getHttpFiltersList())
                .extracting(f -> f.getName()).containsExactly("envoy.filters.http.rbac", "envoy.filters.http.fault", "envoy.filters.http.router");
    }

    @Test
    void waypointPoliciesGetIstiodsWaypointAccepted() {
        Map<String, WaypointPolicyStatus> byName = result.policyStatuses().stream()
                .collect(Collectors.toMap(WaypointPolicyStatus::name, Function.identity()));
        assertThat(byName).containsOnlyKeys("deny-admin", "reviews-readers");
        assertThat(byName.get("deny-admin")).isEqualTo(new WaypointPolicyStatus("demo", "deny-admin", true, "Accepted",
                "bound to demo/waypoint"));
        assertThat(byName.get("reviews-readers").bound()).isTrue();
        assertThat(byName.get("reviews-readers").message()).startsWith("bound to demo/waypoint; rules[1]: requestPrincipals (JWT)");
    }

    // ---- helpers ----

    static String describe(Route r) {
        return RouteConfigurationsText.describe(r);
    }

    static RouteConfiguration routeConfig(String service, int port) {
        return waypoint.routes().stream().filter(r -> r.getName().equals("outbound|" + port + "||" + service + ".demo.svc.cluster.local"))
                .findFirst().orElseThrow();
    }

    static Route route(String service, int port, String name) {
        return routeConfig(service, port).getVirtualHosts(0).getRoutesList().stream().filter(r -> r.getName().equals(name))
                .findFirst().orElseThrow();
    }

    static RouteParentStatus status(String kind, String name, int parent) {
        return result.routeStatuses().stream().filter(s -> s.kind().equals(kind) && s.name().equals(name)).skip(parent)
                .findFirst().orElseThrow();
    }

    static List<String> addresses(ClusterLoadAssignment assignment) {
        return assignment.getEndpointsList().stream().flatMap(l -> l.getLbEndpointsList().stream())
                .map(e -> e.getEndpoint().getAddress().getSocketAddress())
                .map(a -> a.getAddress() + ":" + a.getPortValue()).toList();
    }

    static <T extends Message> T unpack(com.google.protobuf.Any any, Class<T> type) {
        try {
            return any.unpack(type);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    static <T extends Message> T proto(Class<T> type, String text) {
        try {
            @SuppressWarnings("unchecked")
            Message.Builder builder = ((Message) type.getMethod("getDefaultInstance").invoke(null)).newBuilderForType();
            TextFormat.Parser.newBuilder().setTypeRegistry(com.google.protobuf.TypeRegistry.newBuilder()
                    .add(io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate.getDescriptor()).build())
                    .build().merge(text, builder);
            return type.cast(builder.build());
        } catch (ReflectiveOperationException | TextFormat.ParseException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void aVirtualServiceOnABoundServiceBringsFaultInjectionAsIstiodWritesIt() throws Exception {
        List<Route> routes = routeConfig("reviews-v2", 9080).getVirtualHosts(0).getRoutesList();
        assertThat(routes).extracting(Route::getName).containsExactly("slow-jason", "broken"); // the oldest VirtualService's, in order
        var delay = routes.get(0).getTypedPerFilterConfigOrThrow("envoy.filters.http.fault")
                .unpack(io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault.class);
        assertThat(delay.getDelay().getFixedDelay().getSeconds()).isEqualTo(7);
        assertThat(delay.getDelay().getPercentage().getNumerator()).isEqualTo(1_000_000);
        assertThat(routes.get(0).getMatch().getHeadersList()).extracting(h -> h.getName() + "=" + h.getStringMatch().getExact())
                .containsExactly("end-user=jason");
        assertThat(routes.get(0).getRoute().getCluster()).isEqualTo("outbound|9080||reviews-v2.demo.svc.cluster.local");
        var abort = routes.get(1).getTypedPerFilterConfigOrThrow("envoy.filters.http.fault")
                .unpack(io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault.class);
        assertThat(abort.getAbort().getHttpStatus()).isEqualTo(500);
        assertThat(abort.getAbort().getPercentage().getNumerator()).isEqualTo(500_000);
        assertThat(routes.get(1).getRoute().getTimeout().getSeconds()).isEqualTo(2);
        // every listener carries the fault filter between authorization and the router, as istiod's
        HttpConnectionManager hcm = unpack(waypoint.listeners().get(4).getApiListener().getApiListener(), HttpConnectionManager.class);
        assertThat(hcm.getHttpFiltersList()).extracting(f -> f.getName()).endsWith("envoy.filters.http.fault", "envoy.filters.http.router");
        // Gateway API routes win over a VirtualService for the same service, and that is reported
        assertThat(routeConfig("reviews", 9080).getVirtualHosts(0).getRoutesList())
                .allSatisfy(r -> assertThat(r.getTypedPerFilterConfigCount()).isZero());
        assertThat(result.findings()).anySatisfy(f -> {
            assertThat(f.name()).isEqualTo("reviews-shadowed");
            assertThat(f.message()).contains("Gateway API routes take precedence");
        });
    }

    @Test
    void aDestinationRuleSetsTheClustersBalancerPoolAndOutlierDetection() {
        Cluster v1 = waypoint.clusters().stream().filter(c -> c.getName().equals("outbound|9080||reviews-v1.demo.svc.cluster.local"))
                .findFirst().orElseThrow();
        assertThat(v1.getLbPolicy()).isEqualTo(Cluster.LbPolicy.LEAST_REQUEST);
        assertThat(v1.getOutlierDetection().getConsecutive5Xx().getValue()).isEqualTo(2);
        assertThat(v1.getOutlierDetection().getEnforcingConsecutive5Xx().getValue()).isEqualTo(100);
        assertThat(v1.getOutlierDetection().getBaseEjectionTime().getSeconds()).isEqualTo(30);
        assertThat(v1.getCircuitBreakers().getThresholds(0).getMaxRequests().getValue()).isEqualTo(100);
        Cluster ratings = waypoint.clusters().stream().filter(c -> c.getName().equals("outbound|8000||ratings.demo.svc.cluster.local"))
                .findFirst().orElseThrow();
        assertThat(ratings.getLbPolicy()).isEqualTo(Cluster.LbPolicy.ROUND_ROBIN);
        assertThat(result.findings()).anySatisfy(f -> {
            assertThat(f.kind()).isEqualTo("DestinationRule");
            assertThat(f.message()).contains("PASSTHROUGH is not supported").contains("keeps its defaults");
        });
    }
}
