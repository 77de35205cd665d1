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
        return yaml.toString();
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

    private static Map<String, Map<String, Map<String, String>>> versions(EnvoyResources envoy) {
        Map<String, Map<String, Map<String, String>>> out = new HashMap<>();
        envoy.scopes().forEach((scope, types) -> types.forEach((type, resources) -> resources.forEach((name, r) ->
                out.computeIfAbsent(scope, s -> new HashMap<>()).computeIfAbsent(type, t -> new HashMap<>()).put(name, r.version()))));
        return out;
    }
}
