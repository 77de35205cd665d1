package io.ambit.xds.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import io.ambit.xds.state.Generation;
import io.ambit.xds.store.LocalConfigStore;
import io.ambit.xds.store.ResourceKey;
import io.ambit.xds.translate.MeshInputs;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import org.junit.jupiter.api.Test;

/** The status computed from a translation: waypoint Gateways, ztunnel's AuthorizationPolicies, other findings. */
class ObjectStatusesTest {

    static final String OBJECTS = """
            apiVersion: v1
            kind: Namespace
            metadata: {name: demo, labels: {istio.io/dataplane-mode: ambient}}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: waypoint, namespace: demo}
            spec: {clusterIP: 10.96.0.10, ports: [{name: mesh, port: 15008}]}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: waypoint, namespace: demo}
            spec:
              gatewayClassName: istio-waypoint
              listeners: [{name: mesh, port: 15008, protocol: HBONE}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: lonely, namespace: demo}
            spec:
              gatewayClassName: istio-waypoint
              listeners: [{name: mesh, port: 15008, protocol: HBONE}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: ingress, namespace: demo}
            spec: {gatewayClassName: istio, listeners: [{name: http, port: 80, protocol: HTTP}]}
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: allow-sleep, namespace: demo}
            spec:
              selector: {matchLabels: {app: echo}}
              rules: [{from: [{source: {principals: [cluster.local/ns/demo/sa/sleep]}}]}]
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: allow-get, namespace: demo}
            spec:
              action: ALLOW
              rules: [{to: [{operation: {methods: [GET]}}]}]
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: ext-authz, namespace: demo}
            spec: {action: CUSTOM, provider: {name: opa}, rules: [{}]}
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: on-waypoint, namespace: demo}
            spec:
              targetRefs: [{kind: Service, group: "", name: echo}]
              rules: [{to: [{operation: {methods: [GET]}}]}]
            """;

    private static Map<ResourceKey, ObjectStatus> compute(String yaml) {
        LocalConfigStore store = new LocalConfigStore();
        store.apply("test.yaml", yaml);
        Generation generation = Generation.translate(1, store.snapshot(), "cluster.local");
        return ObjectStatuses.compute(generation, generation.inputs());
    }

    private static Condition condition(Map<ResourceKey, ObjectStatus> statuses, String kind, String name, String type) {
        return statuses.get(new ResourceKey(kind, "demo", name)).conditions().stream()
                .filter(c -> c.type().equals(type)).findFirst().orElseThrow();
    }

    @Test
    void aWaypointWithAnAddressIsAcceptedAndProgrammed() {
        Map<ResourceKey, ObjectStatus> statuses = compute(OBJECTS);
        assertThat(condition(statuses, "Gateway", "waypoint", "Accepted"))
                .isEqualTo(new Condition("Accepted", true, "Accepted", "Resource accepted", 0));
        Condition programmed = condition(statuses, "Gateway", "waypoint", "Programmed");
        assertThat(programmed.status()).isTrue();
        assertThat(programmed.reason()).isEqualTo("Programmed");
        assertThat(statuses.get(new ResourceKey("Gateway", "demo", "waypoint")).addresses())
                .containsExactly(new ObjectStatus.Address("IPAddress", "10.96.0.10"));
    }

    @Test
    void aWaypointWithoutAnAddressIsNotProgrammedAndSaysWhy() {
        Map<ResourceKey, ObjectStatus> statuses = compute(OBJECTS);
        assertThat(condition(statuses, "Gateway", "lonely", "Accepted").status()).isTrue();
        Condition programmed = condition(statuses, "Gateway", "lonely", "Programmed");
        assertThat(programmed.status()).isFalse();
        assertThat(programmed.reason()).isEqualTo("AddressNotAssigned");
        assertThat(programmed.message()).contains("no Service demo/lonely with a cluster IP");
        assertThat(statuses.get(new ResourceKey("Gateway", "demo", "lonely")).addresses()).isEmpty();
        // Another class's Gateway is its own controller's business.
        assertThat(statuses).doesNotContainKey(new ResourceKey("Gateway", "demo", "ingress"));
    }

    @Test
    void aWaypointThatDoesNotReadIsInvalid() {
        // The local store refuses such a Gateway; from Kubernetes it arrives as it is.
        GenericKubernetesResource odd = new GenericKubernetesResourceBuilder().withApiVersion("gateway.networking.k8s.io/v1")
                .withKind("Gateway").withNewMetadata().withName("odd").withNamespace("demo").endMetadata()
                .addToAdditionalProperties("spec", Map.of("gatewayClassName", "istio-waypoint", "listeners", List.of(Map.of(
                        "name", "mesh", "port", 15008, "protocol", "HBONE",
                        "allowedRoutes", Map.of("namespaces", Map.of("from", "Nearby")))))).build();
        ResourceKey key = new ResourceKey("Gateway", "demo", "odd");
        Generation generation = Generation.translate(1, new LocalConfigStore.Snapshot(1,
                Map.of(key, new io.ambit.xds.store.KubeYamlParser.Parsed(key, odd, "kubernetes", 0))), "cluster.local");
        Map<ResourceKey, ObjectStatus> statuses = ObjectStatuses.compute(generation, generation.inputs());
        assertThat(condition(statuses, "Gateway", "odd", "Accepted").reason()).isEqualTo("Invalid");
        assertThat(condition(statuses, "Gateway", "odd", "Programmed").message()).contains("Nearby");
    }

    @Test
    void aPolicyWithoutFindingsIsAttachedToZtunnel() {
        assertThat(condition(compute(OBJECTS), "AuthorizationPolicy", "allow-sleep", "ZtunnelAccepted"))
                .isEqualTo(new Condition("ZtunnelAccepted", true, "Accepted", "attached to ztunnel", 0));
    }

    @Test
    void aPolicyWithFindingsCarriesThem() {
        Map<ResourceKey, ObjectStatus> statuses = compute(OBJECTS);
        Condition l7 = condition(statuses, "AuthorizationPolicy", "allow-get", "ZtunnelAccepted");
        assertThat(l7.status()).as("sent, with the HTTP rule left out").isTrue();
        assertThat(l7.reason()).isEqualTo("UnsupportedValue");
        assertThat(l7.message()).contains("found: methods").contains("rules matching HTTP attributes are omitted");

        Condition custom = condition(statuses, "AuthorizationPolicy", "ext-authz", "ZtunnelAccepted");
        assertThat(custom.status()).as("not sent").isFalse();
        assertThat(custom.message()).contains("CUSTOM");

        // a waypoint's policy gets WaypointAccepted, as istiod writes it, and no ZtunnelAccepted
        assertThat(statuses.get(new ResourceKey("AuthorizationPolicy", "demo", "on-waypoint")).conditions()).containsExactly(
                new Condition("WaypointAccepted", false, "TargetNotFound", "Service demo/echo was not found", 0));
    }

    @Test
    void otherObjectsWithFindingsGetATranslatedCondition() {
        Map<ResourceKey, ObjectStatus> statuses = compute("""
                apiVersion: v1
                kind: Namespace
                metadata: {name: demo, labels: {istio.io/dataplane-mode: ambient}}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: echo, namespace: demo, labels: {istio.io/use-waypoint: missing}}
                spec: {clusterIP: 10.96.0.20, selector: {app: echo}, ports: [{port: 80}]}
                """);
        ObjectStatus service = statuses.get(new ResourceKey("Service", "demo", "echo"));
        assertThat(service).as("statuses: %s", statuses).isNotNull();
        assertThat(service.conditions()).singleElement().satisfies(c -> {
            assertThat(c.type()).isEqualTo("ambit.io/Translated");
            assertThat(c.status()).isFalse();
            assertThat(c.message()).contains("missing");
        });
    }
}
