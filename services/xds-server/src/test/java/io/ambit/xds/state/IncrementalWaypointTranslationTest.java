package io.ambit.xds.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import io.ambit.xds.status.ObjectStatuses;
import io.ambit.xds.store.KubeYamlParser;
import io.ambit.xds.store.LocalConfigStore;
import io.ambit.xds.store.ResourceKey;
import io.ambit.xds.translate.WaypointConfig;
import org.junit.jupiter.api.Test;

/**
 * A route-only change translates only the waypoints the route names, and status and the debug view
 * use the generation's waypoint configs, so an untouched waypoint is translated neither for its
 * resources nor for its routes' status; the result equals a full translation of the same objects.
 */
class IncrementalWaypointTranslationTest {

    /** Three namespaces, each bound to its own waypoint, each with a 90/10 HTTPRoute and an L7 policy on its waypoint. */
    static String mesh(String routeInA) {
        return mesh(routeInA, "");
    }

    /** @param extra more objects, appended */
    static String mesh(String routeInA, String extra) {
        StringBuilder yaml = new StringBuilder();
        int n = 0;
        for (String ns : new String[] {"a", "b", "c"}) {
            n++;
            yaml.append("""
                    apiVersion: v1
                    kind: Namespace
                    metadata: {name: NS, labels: {istio.io/dataplane-mode: ambient, istio.io/use-waypoint: waypoint}}
                    ---
                    apiVersion: gateway.networking.k8s.io/v1
                    kind: Gateway
                    metadata: {name: waypoint, namespace: NS}
                    spec: {gatewayClassName: istio-waypoint, listeners: [{name: mesh, port: 15008, protocol: HBONE}]}
                    ---
                    apiVersion: v1
                    kind: Service
                    metadata: {name: waypoint, namespace: NS}
                    spec: {clusterIP: 10.96.N.10, ports: [{name: mesh, port: 15008}]}
                    ---
                    apiVersion: v1
                    kind: Service
                    metadata: {name: reviews, namespace: NS}
                    spec: {clusterIP: 10.96.N.20, selector: {app: reviews}, ports: [{name: http, port: 9080}]}
                    ---
                    apiVersion: v1
                    kind: Service
                    metadata: {name: reviews-v1, namespace: NS}
                    spec: {clusterIP: 10.96.N.21, selector: {app: reviews, version: v1}, ports: [{name: http, port: 9080}]}
                    ---
                    apiVersion: v1
                    kind: Service
                    metadata: {name: reviews-v2, namespace: NS}
                    spec: {clusterIP: 10.96.N.22, selector: {app: reviews, version: v2}, ports: [{name: http, port: 9080}]}
                    ---
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: reviews-v1, namespace: NS, labels: {app: reviews, version: v1}}
                    spec: {containers: [{name: c, image: i}]}
                    status: {phase: Running, podIP: 10.244.N.11}
                    ---
                    apiVersion: security.istio.io/v1
                    kind: AuthorizationPolicy
                    metadata: {name: get-only, namespace: NS}
                    spec:
                      targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: waypoint}]
                      rules: [{from: [{source: {requestPrincipals: ["*"]}}], to: [{operation: {methods: [GET]}}]}]
                    ---
                    """.replace("NS", ns).replace(".N.", "." + n + "."));
            String route = ns.equals("a") ? routeInA : """
                    - {name: reviews-v1, port: 9080, weight: 90}
                    - {name: reviews-v2, port: 9080, weight: 10}""";
            yaml.append("""
                    apiVersion: gateway.networking.k8s.io/v1
                    kind: HTTPRoute
                    metadata: {name: reviews, namespace: NS}
                    spec:
                      parentRefs: [{group: "", kind: Service, name: reviews, port: 9080}]
                      rules:
                      - backendRefs:
                    ROUTE
                    ---
                    """.replace("NS", ns).replace("ROUTE", route.indent(8).stripTrailing()));
        }
        return yaml.append(extra).toString();
    }

    static LocalConfigStore.Snapshot snapshot(long version, String yaml) {
        Map<ResourceKey, KubeYamlParser.Parsed> objects = new HashMap<>();
        KubeYamlParser.parse("mesh.yaml", yaml).forEach(p -> objects.put(p.key(), p));
        return new LocalConfigStore.Snapshot(version, objects);
    }

    static final String SPLIT_90_10 = """
            - {name: reviews-v1, port: 9080, weight: 90}
            - {name: reviews-v2, port: 9080, weight: 10}""";
    /** The change: a 50/50 split, and a backend that does not exist (status: BackendNotFound). */
    static final String SPLIT_CHANGED = """
            - {name: reviews-v1, port: 9080, weight: 50}
            - {name: reviews-v3, port: 9080, weight: 50}""";

    @Test
    void aRouteChangeTranslatesOnlyItsWaypointAndStatusEqualsAFullTranslation() {
        LocalConfigStore.Snapshot before = snapshot(1, mesh(SPLIT_90_10));
        LocalConfigStore.Snapshot after = snapshot(2, mesh(SPLIT_CHANGED));
        Generation first = Generation.translate(1, before, "cluster.local");
        assertThat(first.envoy().configs()).containsOnlyKeys("a/waypoint", "b/waypoint", "c/waypoint");

        Generation next = first.next(2, after, Set.of(new ResourceKey("HTTPRoute", "a", "reviews")));

        // only a's waypoint was translated again: b's and c's configs are the very objects of the first generation
        Set<String> translatedAgain = next.envoy().configs().entrySet().stream()
                .filter(e -> e.getValue() != first.envoy().configs().get(e.getKey())).map(Map.Entry::getKey)
                .collect(Collectors.toSet());
        assertThat(translatedAgain).containsExactly("a/waypoint");

        // ... and the result is what translating everything gives
        Generation full = Generation.translate(2, after, "cluster.local");
        assertThat(versions(next.envoy())).isEqualTo(versions(full.envoy()));
        assertThat(next.envoy().configs()).isEqualTo(full.envoy().configs());
        var incremental = ObjectStatuses.compute(next, next.inputs());
        assertThat(incremental).isEqualTo(ObjectStatuses.compute(full, full.inputs()));
        // the status says what changed (a missing backend), so it was not carried over from the first generation
        assertThat(incremental.get(new ResourceKey("HTTPRoute", "a", "reviews")).parents().getFirst().conditions())
                .anySatisfy(c -> assertThat(c.reason()).isEqualTo("BackendNotFound"));
        assertThat(incremental.get(new ResourceKey("HTTPRoute", "b", "reviews")).parents().getFirst().conditions())
                .allSatisfy(c -> assertThat(c.status()).isTrue());
    }

    @Test
    void statusFromKeptConfigsEqualsAFullTranslationsIncludingPolicyFindings() {
        LocalConfigStore.Snapshot snapshot = snapshot(1, mesh(SPLIT_90_10));
        Generation generation = Generation.translate(1, snapshot, "cluster.local");
        var fromConfigs = io.ambit.xds.translate.WaypointL7Translator.statuses(generation.inputs(), generation.envoy().configs());
        var full = io.ambit.xds.translate.WaypointL7Translator.translate(generation.inputs());
        assertThat(fromConfigs).isEqualTo(full);
        // requestPrincipals (JWT) cannot be enforced: one finding per policy, though each waypoint meets it on three services
        assertThat(full.findings()).filteredOn(f -> f.kind().equals("AuthorizationPolicy")).hasSize(3).doesNotHaveDuplicates();
        assertThat(generation.envoy().configs().values()).allSatisfy(c -> assertThat(c.attachments()).extracting(WaypointConfig.Attachment::route)
                .containsExactly("HTTPRoute/" + c.waypoint().substring(0, 1) + "/reviews"));
    }

    static final String RULES = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: v2, namespace: b}
            spec: {host: reviews-v2, trafficPolicy: {loadBalancer: {simple: LBPOLICY}}}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: v1, namespace: c}
            spec:
              hosts: [reviews-v1.c.svc.cluster.local]
              http: [{timeout: TIMEOUT, route: [{destination: {host: reviews-v1}}]}]
            ---
            """;

    /** A DestinationRule change re-translates only the waypoint with a cluster of its host; a VirtualService's, the one serving its host. */
    @Test
    void destinationRuleAndVirtualServiceChangesTranslateOnlyTheWaypointsTheyName() {
        String before = mesh(SPLIT_90_10, RULES.replace("LBPOLICY", "ROUND_ROBIN").replace("TIMEOUT", "5s"));
        Generation first = Generation.translate(1, snapshot(1, before), "cluster.local");

        LocalConfigStore.Snapshot drChanged = snapshot(2, mesh(SPLIT_90_10, RULES.replace("LBPOLICY", "LEAST_REQUEST").replace("TIMEOUT", "5s")));
        Generation afterRule = first.next(2, drChanged, Set.of(new ResourceKey("DestinationRule", "b", "v2")));
        assertThat(translatedAgain(first, afterRule)).containsExactly("b/waypoint");
        assertEqualToFullTranslation(afterRule, drChanged);

        LocalConfigStore.Snapshot vsChanged = snapshot(3, mesh(SPLIT_90_10, RULES.replace("LBPOLICY", "LEAST_REQUEST").replace("TIMEOUT", "7s")));
        Generation afterService = afterRule.next(3, vsChanged, Set.of(new ResourceKey("VirtualService", "c", "v1")));
        assertThat(translatedAgain(afterRule, afterService)).containsExactly("c/waypoint");
        assertEqualToFullTranslation(afterService, vsChanged);

        // a ReferenceGrant is not narrowed: every waypoint is translated again
        Generation afterGrant = afterService.next(4, snapshot(4, mesh(SPLIT_90_10, RULES.replace("LBPOLICY", "LEAST_REQUEST")
                .replace("TIMEOUT", "7s"))), Set.of(new ResourceKey("ReferenceGrant", "a", "gone")));
        assertThat(translatedAgain(afterService, afterGrant)).containsExactlyInAnyOrder("a/waypoint", "b/waypoint", "c/waypoint");
    }

    private static Set<String> translatedAgain(Generation before, Generation after) {
        return after.envoy().configs().entrySet().stream()
                .filter(e -> e.getValue() != before.envoy().configs().get(e.getKey())).map(Map.Entry::getKey)
                .collect(Collectors.toSet());
    }

    private static void assertEqualToFullTranslation(Generation incremental, LocalConfigStore.Snapshot snapshot) {
        Generation full = Generation.translate(incremental.number(), snapshot, "cluster.local");
        assertThat(versions(incremental.envoy())).isEqualTo(versions(full.envoy()));
        assertThat(incremental.envoy().configs()).isEqualTo(full.envoy().configs());
        assertThat(ObjectStatuses.compute(incremental, incremental.inputs())).isEqualTo(ObjectStatuses.compute(full, full.inputs()));
    }

    private static Map<String, Map<String, Map<String, String>>> versions(EnvoyResources envoy) {
        Map<String, Map<String, Map<String, String>>> out = new HashMap<>();
        envoy.scopes().forEach((scope, types) -> types.forEach((type, resources) -> resources.forEach((name, r) ->
                out.computeIfAbsent(scope, s -> new HashMap<>()).computeIfAbsent(type, t -> new HashMap<>()).put(name, r.version()))));
        return out;
    }
}
