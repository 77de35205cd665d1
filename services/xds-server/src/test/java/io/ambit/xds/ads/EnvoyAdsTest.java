package io.ambit.xds.ads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.ArrayList;
import java.util.List;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.ambit.identity.SpiffeId;
import io.ambit.xds.state.EnvoyResources;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Envoy types (LDS/RDS/CDS/EDS) over delta and state-of-the-world ADS with real clients over
 * mutual TLS: each waypoint sees only its own resources, a route change pushes only that route,
 * NACKs keep the last good version, and wrong identities and bad input are refused.
 */
class EnvoyAdsTest {

    static final String LDS = EnvoyResources.LISTENER;
    static final String RDS = EnvoyResources.ROUTE;
    static final String CDS = EnvoyResources.CLUSTER;
    static final String EDS = EnvoyResources.ENDPOINT;
    static final SpiffeId DEMO_WAYPOINT = SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/waypoint");
    static final SpiffeId OTHER_WAYPOINT = SpiffeId.parse("spiffe://cluster.local/ns/other/sa/waypoint");
    static final SpiffeId DEMO_REVIEWS = SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/reviews");
    static final Node DEMO_NODE = node("waypoint~10.244.0.9~waypoint-7d9f.demo~demo.svc.cluster.local");
    static final Node OTHER_NODE = node("waypoint~10.244.1.9~waypoint-5c2a.other~other.svc.cluster.local");
    static final String REVIEWS_ROUTE = "outbound|9080||reviews.demo.svc.cluster.local";

    static final String MESH = """
            apiVersion: v1
            kind: Namespace
            metadata: {name: demo, labels: {istio.io/dataplane-mode: ambient, istio.io/use-waypoint: waypoint}}
            ---
            apiVersion: v1
            kind: Namespace
            metadata: {name: other, labels: {istio.io/dataplane-mode: ambient, istio.io/use-waypoint: waypoint}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: waypoint, namespace: demo}
            spec: {gatewayClassName: istio-waypoint, listeners: [{name: mesh, port: 15008, protocol: HBONE}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: waypoint, namespace: demo}
            spec: {clusterIP: 10.96.0.10, ports: [{name: mesh, port: 15008}]}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: waypoint, namespace: other}
            spec: {gatewayClassName: istio-waypoint, listeners: [{name: mesh, port: 15008, protocol: HBONE}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: waypoint, namespace: other}
            spec: {clusterIP: 10.96.1.10, ports: [{name: mesh, port: 15008}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: reviews, namespace: demo}
            spec: {clusterIP: 10.96.0.20, selector: {app: reviews}, ports: [{name: http, port: 9080, targetPort: 8080}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: reviews-v1, namespace: demo}
            spec: {clusterIP: 10.96.0.21, selector: {app: reviews, version: v1}, ports: [{name: http, port: 9080, targetPort: 8080}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: reviews-v2, namespace: demo}
            spec: {clusterIP: 10.96.0.22, selector: {app: reviews, version: v2}, ports: [{name: http, port: 9080, targetPort: 8080}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: ratings, namespace: other}
            spec: {clusterIP: 10.96.1.20, selector: {app: ratings}, ports: [{name: http, port: 8000}]}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: reviews-1, namespace: demo, labels: {app: reviews, version: v1}}
            spec: {nodeName: node-a, containers: [{name: c, image: i}]}
            status: {phase: Running, podIP: 10.244.0.5, conditions: [{type: Ready, status: "True"}]}
            """;

    static String route(int v1, int v2) {
        return """
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: reviews, namespace: demo}
                spec:
                  parentRefs: [{group: "", kind: Service, name: reviews, port: 9080}]
                  rules: [{backendRefs: [{name: reviews-v1, port: 9080, weight: %d}, {name: reviews-v2, port: 9080, weight: %d}]}]
                """.formatted(v1, v2);
    }

    AdsTestBench bench = new AdsTestBench(MESH + "---\n" + route(90, 10));

    @AfterEach
    void close() throws Exception {
        bench.close();
    }

    static Node node(String id) {
        return Node.newBuilder().setId(id).build();
    }

    static DeltaDiscoveryRequest delta(String type, Node node) {
        DeltaDiscoveryRequest.Builder request = DeltaDiscoveryRequest.newBuilder().setTypeUrl(type);
        if (node != null) {
            request.setNode(node);
        }
        return request.build();
    }

    static DeltaDiscoveryRequest ack(DeltaDiscoveryResponse response) {
        return DeltaDiscoveryRequest.newBuilder().setTypeUrl(response.getTypeUrl()).setResponseNonce(response.getNonce()).build();
    }

    static DiscoveryRequest sotw(String type, Node node, String... names) {
        DiscoveryRequest.Builder request = DiscoveryRequest.newBuilder().setTypeUrl(type).addAllResourceNames(List.of(names));
        if (node != null) {
            request.setNode(node);
        }
        return request.build();
    }

    static DiscoveryRequest ack(DiscoveryResponse response, String... names) {
        return DiscoveryRequest.newBuilder().setTypeUrl(response.getTypeUrl()).setVersionInfo(response.getVersionInfo())
                .setResponseNonce(response.getNonce()).addAllResourceNames(List.of(names)).build();
    }

    static List<String> names(DeltaDiscoveryResponse response) {
        return response.getResourcesList().stream().map(Resource::getName).sorted().toList();
    }

    static List<String> listenerNames(List<Any> resources) throws InvalidProtocolBufferException {
        List<String> names = new ArrayList<>();
        for (Any any : resources) {
            names.add(any.unpack(Listener.class).getName());
        }
        return names.stream().sorted().toList();
    }

    /** Subscribes a delta stream to all four types (wildcard) and ACKs the first answers. */
    static void syncAllTypes(AdsTestBench.RawStream raw, Node node) throws InterruptedException {
        raw.send(delta(LDS, node));
        raw.send(delta(RDS, null));
        raw.send(delta(CDS, null));
        raw.send(delta(EDS, null));
        for (int i = 0; i < 4; i++) {
            raw.send(ack(raw.next()));
        }
    }

    @Test
    void deltaGivesAWaypointExactlyItsOwnResources() throws Exception {
        var demo = bench.raw(DEMO_WAYPOINT);
        demo.send(delta(LDS, DEMO_NODE));
        DeltaDiscoveryResponse listeners = demo.next();
        assertThat(listeners.getTypeUrl()).isEqualTo(LDS);
        assertThat(names(listeners)).containsExactly("reviews-v1.demo.svc.cluster.local:9080",
                "reviews-v2.demo.svc.cluster.local:9080", "reviews.demo.svc.cluster.local:9080");
        demo.send(delta(CDS, null));
        assertThat(names(demo.next())).containsExactly("outbound|9080||reviews-v1.demo.svc.cluster.local",
                "outbound|9080||reviews-v2.demo.svc.cluster.local", "outbound|9080||reviews.demo.svc.cluster.local");
        demo.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(EDS).addResourceNamesSubscribe("outbound|9080||reviews-v1.demo.svc.cluster.local")
                .addResourceNamesSubscribe("outbound|8000||ratings.other.svc.cluster.local").build());
        DeltaDiscoveryResponse endpoints = demo.next();
        assertThat(names(endpoints)).containsExactly("outbound|9080||reviews-v1.demo.svc.cluster.local"); // not other's, though named

        var other = bench.raw(OTHER_WAYPOINT);
        other.send(delta(LDS, OTHER_NODE));
        assertThat(names(other.next())).containsExactly("ratings.other.svc.cluster.local:8000");
    }

    @Test
    void aRouteChangePushesOnlyThatRouteToOnlyItsWaypoint() throws Exception {
        var demo = bench.raw(DEMO_WAYPOINT);
        syncAllTypes(demo, DEMO_NODE);
        var other = bench.raw(OTHER_WAYPOINT);
        syncAllTypes(other, OTHER_NODE);

        bench.store.apply("change", route(50, 50));
        DeltaDiscoveryResponse pushed = demo.next();
        assertThat(pushed.getTypeUrl()).isEqualTo(RDS);
        assertThat(names(pushed)).containsExactly(REVIEWS_ROUTE);
        assertThat(pushed.getRemovedResourcesList()).isEmpty();
        RouteConfiguration route = pushed.getResources(0).getResource().unpack(RouteConfiguration.class);
        assertThat(route.getVirtualHosts(0).getRoutes(0).getRoute().getWeightedClusters().getClusters(0).getWeight().getValue())
                .isEqualTo(50);
        demo.send(ack(pushed));

        // A second change: had the first pushed anything else, it would be queued before this one.
        bench.store.apply("change again", route(70, 30));
        DeltaDiscoveryResponse next = demo.next();
        assertThat(next.getTypeUrl()).isEqualTo(RDS);
        assertThat(names(next)).containsExactly(REVIEWS_ROUTE);
        assertThat(demo.responses).isEmpty();
        assertThat(other.responses).isEmpty(); // the other waypoint's resources did not change
    }

    @Test
    void aRouteOnlyChangeRetranslatesOnlyTheWaypointsResources() {
        var before = bench.state.current();
        bench.store.apply("change", route(50, 50));
        await().until(() -> bench.state.current().number() > before.number());
        var after = bench.state.current();
        assertThat(after.of(io.ambit.xds.state.XdsState.ADDRESS_TYPE)).isSameAs(before.of(io.ambit.xds.state.XdsState.ADDRESS_TYPE));
        assertThat(after.of("demo/waypoint", RDS).get(REVIEWS_ROUTE).version())
                .isNotEqualTo(before.of("demo/waypoint", RDS).get(REVIEWS_ROUTE).version());
        assertThat(after.of("other/waypoint", LDS)).isEqualTo(before.of("other/waypoint", LDS));
    }

    /** Applies {@code yaml} (or deletes it) and waits for the generation it makes. */
    io.ambit.xds.state.Generation change(boolean apply, String yaml) {
        var before = bench.state.current();
        if (apply) {
            bench.store.apply("change", yaml);
        } else {
            bench.store.delete("change", yaml);
        }
        await().until(() -> bench.state.current().number() > before.number());
        return bench.state.current();
    }

    @Test
    void aRouteChangeTranslatesOnlyTheWaypointsItNamesAndStillEqualsAFullTranslation() {
        var before = bench.state.current();
        var after = change(true, route(50, 50));
        for (String type : EnvoyResources.TYPES) {
            // not translated again: the very same resources (so the same versions), not equal copies
            assertThat(after.of("other/waypoint", type)).as(type).isSameAs(before.of("other/waypoint", type));
        }
        assertThat(after.of("demo/waypoint", RDS)).isNotSameAs(before.of("demo/waypoint", RDS));
        assertThat(after.envoy()).isEqualTo(EnvoyResources.translate(after.inputs()));

        // a route for the other waypoint's service: only that waypoint is translated again, and the result is a full translation's
        String moved = """
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: reviews, namespace: other}
                spec:
                  parentRefs: [{group: "", kind: Service, name: ratings, port: 8000}]
                  rules: [{filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-moved, value: "1"}]}}],
                           backendRefs: [{name: ratings, port: 8000}]}]
                """;
        var withMoved = change(true, moved);
        assertThat(withMoved.of("demo/waypoint", LDS)).isSameAs(after.of("demo/waypoint", LDS));
        assertThat(withMoved.of("other/waypoint", RDS).get("outbound|8000||ratings.other.svc.cluster.local").version())
                .isNotEqualTo(after.of("other/waypoint", RDS).get("outbound|8000||ratings.other.svc.cluster.local").version());
        assertThat(withMoved.envoy()).isEqualTo(EnvoyResources.translate(withMoved.inputs()));

        // a route with the waypoint Gateway itself as parent, then deletions: still exactly a full translation
        String viaGateway = """
                apiVersion: gateway.networking.k8s.io/v1
                kind: GRPCRoute
                metadata: {name: via-gateway, namespace: demo}
                spec:
                  parentRefs: [{name: waypoint}]
                  hostnames: [reviews-v2.demo.svc.cluster.local]
                  rules: [{backendRefs: [{name: reviews-v1, port: 9080}]}]
                """;
        var withGateway = change(true, viaGateway);
        assertThat(withGateway.of("other/waypoint", RDS)).isSameAs(withMoved.of("other/waypoint", RDS));
        assertThat(withGateway.envoy()).isEqualTo(EnvoyResources.translate(withGateway.inputs()));
        var deleted = change(false, moved + "---\n" + viaGateway);
        assertThat(deleted.envoy()).isEqualTo(EnvoyResources.translate(deleted.inputs()));
        assertThat(deleted.envoy().of(EnvoyResources.PROXYLESS, RDS)).isEqualTo(after.envoy().of(EnvoyResources.PROXYLESS, RDS));
    }

    @Test
    void aPodChangePushesOnlyTheEndpointsThatSelectIt() throws Exception {
        var demo = bench.raw(DEMO_WAYPOINT);
        syncAllTypes(demo, DEMO_NODE);
        bench.store.apply("add", """
                apiVersion: v1
                kind: Pod
                metadata: {name: reviews-2, namespace: demo, labels: {app: reviews, version: v2}}
                spec: {nodeName: node-a, containers: [{name: c, image: i}]}
                status: {phase: Running, podIP: 10.244.0.6, conditions: [{type: Ready, status: "True"}]}
                """);
        DeltaDiscoveryResponse pushed = demo.next();
        assertThat(pushed.getTypeUrl()).isEqualTo(EDS);
        assertThat(names(pushed)).containsExactly("outbound|9080||reviews-v2.demo.svc.cluster.local",
                "outbound|9080||reviews.demo.svc.cluster.local");
        demo.send(ack(pushed));
        bench.store.apply("change", route(50, 50));
        assertThat(demo.next().getTypeUrl()).isEqualTo(RDS); // nothing else came in between
    }

    @Test
    void stateOfTheWorldSendsFullListenersAndOnlyChangedRoutes() throws Exception {
        var demo = bench.sotw(DEMO_WAYPOINT);
        demo.send(sotw(LDS, DEMO_NODE));
        DiscoveryResponse listeners = demo.next();
        assertThat(listenerNames(listeners.getResourcesList())).containsExactly("reviews-v1.demo.svc.cluster.local:9080",
                "reviews-v2.demo.svc.cluster.local:9080", "reviews.demo.svc.cluster.local:9080");
        demo.send(ack(listeners));
        String v1Route = "outbound|9080||reviews-v1.demo.svc.cluster.local";
        demo.send(sotw(RDS, null, REVIEWS_ROUTE, v1Route));
        DiscoveryResponse routes = demo.next();
        assertThat(routes.getResourcesCount()).isEqualTo(2);
        demo.send(ack(routes, REVIEWS_ROUTE, v1Route));

        bench.store.apply("change", route(50, 50));
        DiscoveryResponse pushed = demo.next();
        assertThat(pushed.getTypeUrl()).isEqualTo(RDS);
        assertThat(pushed.getResourcesList()).hasSize(1);
        assertThat(pushed.getResources(0).unpack(RouteConfiguration.class).getName()).isEqualTo(REVIEWS_ROUTE);
        demo.send(ack(pushed, REVIEWS_ROUTE, v1Route));
        bench.store.apply("change again", route(70, 30));
        assertThat(demo.next().getTypeUrl()).isEqualTo(RDS); // nothing (no Listener) came in between
        assertThat(demo.responses).isEmpty();
    }

    @Test
    void aNackIsCountedAndLoggedAndTheSameContentIsNotSentAgain() throws Exception {
        var demo = bench.sotw(DEMO_WAYPOINT);
        demo.send(sotw(RDS, DEMO_NODE, REVIEWS_ROUTE));
        demo.send(ack(demo.next(), REVIEWS_ROUTE));
        bench.store.apply("change", route(50, 50));
        DiscoveryResponse rejected = demo.next();
        demo.send(ack(rejected, REVIEWS_ROUTE).toBuilder()
                .setVersionInfo("1").setErrorDetail(com.google.rpc.Status.newBuilder().setCode(3).setMessage("weights rejected")).build());
        await().until(() -> bench.service.clients().stream()
                .anyMatch(c -> c.types().containsKey("rds") && c.types().get("rds").nacks() == 1));
        ClientStatus.TypeStatus status = bench.service.clients().getFirst().types().get("rds");
        assertThat(status.lastNack().message()).isEqualTo("weights rejected");
        // The fix (a later change) is sent; the rejected content was not re-sent in between.
        bench.store.apply("fix", route(60, 40));
        DiscoveryResponse fixed = demo.next();
        assertThat(fixed.getResources(0).unpack(RouteConfiguration.class).getVirtualHosts(0).getRoutes(0).getRoute()
                .getWeightedClusters().getClusters(0).getWeight().getValue()).isEqualTo(60);
        assertThat(demo.closedWith).isNull();
    }

    @Test
    void anIdentityOfAnotherNamespaceIsDeniedAndOneWithoutAWaypointSeesNothing() throws Exception {
        var impostor = bench.raw(OTHER_WAYPOINT);
        impostor.send(delta(LDS, DEMO_NODE));
        await().until(() -> impostor.closedWith != null);
        assertThat(impostor.closedWith.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(impostor.closedWith.getDescription()).contains("may not act for node");

        var sotwImpostor = bench.sotw(OTHER_WAYPOINT);
        sotwImpostor.send(sotw(LDS, DEMO_NODE));
        await().until(() -> sotwImpostor.closedWith != null);
        assertThat(sotwImpostor.closedWith.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);

        var app = bench.raw(DEMO_REVIEWS); // its own namespace, but its account names no waypoint
        app.send(delta(LDS, node("waypoint~10.244.0.5~reviews-1.demo~demo.svc.cluster.local")));
        assertThat(app.next().getResourcesList()).isEmpty();

        var lying = bench.raw(DEMO_WAYPOINT);
        lying.send(delta(LDS, DEMO_NODE.toBuilder().setMetadata(com.google.protobuf.Struct.newBuilder()
                .putFields("SERVICE_ACCOUNT", com.google.protobuf.Value.newBuilder().setStringValue("reviews").build())).build()));
        await().until(() -> lying.closedWith != null);
        assertThat(lying.closedWith.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    }

    @Test
    void malformedNodeIdsAreRefusedWithAClearError() throws Exception {
        for (String id : List.of("", "waypoint~10.0.0.1", "gateway~10.0.0.1~w.demo~demo.svc.cluster.local",
                "waypoint~not-an-ip~w.demo~demo.svc.cluster.local", "waypoint~10.0.0.1~w.other~demo.svc.cluster.local",
                "waypoint~10.0.0.1~w.demo~demo", "waypoint~10.0.0.1~w.demo~demo.svc.cluster.local~x", "w".repeat(5000))) {
            var raw = bench.raw(DEMO_WAYPOINT);
            raw.send(delta(LDS, node(id)));
            await().until(() -> raw.closedWith != null);
            assertThat(raw.closedWith.getCode()).as(id).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(raw.closedWith.getDescription()).as(id).contains("node id");
        }
        var noNode = bench.sotw(DEMO_WAYPOINT);
        noNode.send(sotw(LDS, null));
        await().until(() -> noNode.closedWith != null);
        assertThat(noNode.closedWith.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(noNode.closedWith.getDescription()).contains("node");
    }

    @Test
    void hostileNameListsAndUnknownTypesCloseOnlyTheirStreamAndChangeNothing() throws Exception {
        var good = bench.raw(DEMO_WAYPOINT);
        syncAllTypes(good, DEMO_NODE);
        long generation = bench.state.current().number();

        var tooMany = bench.sotw(DEMO_WAYPOINT);
        List<String> many = new ArrayList<>();
        for (int i = 0; i <= RequestLimits.MAX_NAMES_PER_REQUEST; i++) {
            many.add("outbound|" + i + "||x.demo.svc.cluster.local");
        }
        tooMany.send(sotw(RDS, DEMO_NODE).toBuilder().addAllResourceNames(many).build());
        var tooLong = bench.raw(DEMO_WAYPOINT);
        tooLong.send(delta(RDS, DEMO_NODE).toBuilder().addResourceNamesSubscribe("r".repeat(RequestLimits.MAX_NAME_LENGTH + 1)).build());
        var unknown = bench.sotw(DEMO_WAYPOINT);
        unknown.send(sotw("type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret", DEMO_NODE));
        await().until(() -> tooMany.closedWith != null && tooLong.closedWith != null && unknown.closedWith != null);
        assertThat(tooMany.closedWith.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(tooMany.closedWith.getDescription()).contains("resource names in one request");
        assertThat(tooLong.closedWith.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(tooLong.closedWith.getDescription()).contains("characters");
        assertThat(unknown.closedWith.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(unknown.closedWith.getDescription()).contains("is not served");

        assertThat(bench.state.current().number()).isEqualTo(generation);
        bench.store.apply("change", route(50, 50));
        assertThat(names(good.next())).containsExactly(REVIEWS_ROUTE); // the good client is served on
    }
}
