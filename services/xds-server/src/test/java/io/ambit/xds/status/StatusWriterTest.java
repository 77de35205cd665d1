package io.ambit.xds.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.ambit.xds.state.XdsState;
import io.ambit.xds.store.KubernetesConfigStore;
import io.ambit.xds.store.ResourceKey;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import org.junit.jupiter.api.Test;

/** Status written back through fabric8's mock API server in CRUD mode, once per change and never again. */
@EnableKubernetesMockClient(crud = true)
class StatusWriterTest {

    KubernetesMockServer server;
    KubernetesClient client;

    @Test
    void writesWaypointAndPolicyStatusOnceAndNothingForAnUnchangedTranslation() throws Exception {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("demo")
                .addToLabels("istio.io/dataplane-mode", "ambient").endMetadata().build()).create();
        client.services().inNamespace("demo").resource(new ServiceBuilder().withNewMetadata().withName("waypoint")
                .withNamespace("demo").endMetadata().withNewSpec().withClusterIP("10.96.0.10")
                .addNewPort().withName("mesh").withPort(15008).endPort().endSpec().build()).create();
        generic("Gateway").inNamespace("demo").resource(object("gateway.networking.k8s.io/v1", "Gateway", "waypoint", Map.of(
                "gatewayClassName", "istio-waypoint",
                "listeners", List.of(Map.of("name", "mesh", "port", 15008, "protocol", "HBONE"))))).create();
        GenericKubernetesResource policy = object("security.istio.io/v1", "AuthorizationPolicy", "allow-get", Map.of(
                "action", "ALLOW",
                "rules", List.of(Map.of("to", List.of(Map.of("operation", Map.of("methods", List.of("GET"))))))));
        // Another controller's condition on the policy stays.
        policy.getAdditionalProperties().put("status", Map.of("conditions", List.of(Map.of("type", "example.com/Audited",
                "status", "True", "reason", "Audited", "message", "seen", "lastTransitionTime", "2025-01-01T00:00:00Z"))));
        generic("AuthorizationPolicy").inNamespace("demo").resource(policy).create();

        try (KubernetesConfigStore store = new KubernetesConfigStore(client).start();
             XdsState state = new XdsState(store, "cluster.local", Duration.ZERO);
             StatusWriter writer = new StatusWriter(client)) {
            state.addTranslationHook(writer);

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                Map<String, Object> gateway = status("Gateway", "waypoint");
                assertThat(condition(gateway, "Accepted")).containsEntry("status", "True").containsEntry("reason", "Accepted");
                assertThat(condition(gateway, "Programmed")).containsEntry("status", "True").containsEntry("reason", "Programmed")
                        .containsKey("lastTransitionTime");
                assertThat(gateway.get("addresses")).isEqualTo(List.of(Map.of("type", "IPAddress", "value", "10.96.0.10")));

                Map<String, Object> allowGet = status("AuthorizationPolicy", "allow-get");
                assertThat(condition(allowGet, "ZtunnelAccepted")).containsEntry("status", "True")
                        .containsEntry("reason", "UnsupportedValue");
                assertThat((String) condition(allowGet, "ZtunnelAccepted").get("message"))
                        .contains("found: methods").contains("rules matching HTTP attributes are omitted");
                assertThat(condition(allowGet, "example.com/Audited")).containsEntry("message", "seen");
            });

            // Quiet: the writes came back through the informers, were translated, and the writer has seen that translation.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(written(store, "Gateway", "waypoint")).isTrue();
                assertThat(written(store, "AuthorizationPolicy", "allow-get")).isTrue();
                assertThat(writer.writtenStoreVersion()).isEqualTo(store.snapshot().version());
            });
            long writes = writer.writes();
            assertThat(writes).isEqualTo(2);
            assertThat(statusWrites()).isEqualTo(2);

            // A change that leaves every status as it is: translated, and nothing written.
            client.namespaces().withName("demo").edit(n -> new NamespaceBuilder(n).editMetadata()
                    .addToLabels("team", "a").endMetadata().build());
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                var namespace = store.snapshot().objects().get(new ResourceKey("Namespace", "", "demo"));
                return namespace != null && "a".equals(namespace.object().getMetadata().getLabels().get("team"))
                        && writer.writtenStoreVersion() == store.snapshot().version();
            });
            assertThat(writer.writes()).isEqualTo(writes);
            assertThat(statusWrites()).isZero();

            // A change that does change one status: that object alone is written.
            generic("AuthorizationPolicy").inNamespace("demo").withName("allow-get").edit(p -> {
                p.getAdditionalProperties().put("spec", Map.of("action", "ALLOW",
                        "rules", List.of(Map.of("to", List.of(Map.of("operation", Map.of("ports", List.of("8080"))))))));
                return p;
            });
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(condition(status("AuthorizationPolicy", "allow-get"), "ZtunnelAccepted"))
                            .containsEntry("status", "True").containsEntry("reason", "Accepted")
                            .containsEntry("message", "attached to ztunnel"));
            assertThat(writer.writes()).isEqualTo(writes + 1);
        }
    }

    @Test
    void writesRouteParentsOnceKeepingOtherControllersParents() throws Exception {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("demo")
                .addToLabels("istio.io/dataplane-mode", "ambient").addToLabels("istio.io/use-waypoint", "waypoint").endMetadata()
                .build()).create();
        client.services().inNamespace("demo").resource(new ServiceBuilder().withNewMetadata().withName("waypoint")
                .withNamespace("demo").endMetadata().withNewSpec().withClusterIP("10.96.0.10")
                .addNewPort().withName("mesh").withPort(15008).endPort().endSpec().build()).create();
        client.services().inNamespace("demo").resource(new ServiceBuilder().withNewMetadata().withName("reviews")
                .withNamespace("demo").endMetadata().withNewSpec().withClusterIP("10.96.0.20").addToSelector("app", "reviews")
                .addNewPort().withName("http").withPort(9080).endPort().endSpec().build()).create();
        generic("Gateway").inNamespace("demo").resource(object("gateway.networking.k8s.io/v1", "Gateway", "waypoint", Map.of(
                "gatewayClassName", "istio-waypoint",
                "listeners", List.of(Map.of("name", "mesh", "port", 15008, "protocol", "HBONE"))))).create();
        GenericKubernetesResource route = object("gateway.networking.k8s.io/v1", "HTTPRoute", "reviews", Map.of(
                "parentRefs", List.of(Map.of("group", "", "kind", "Service", "name", "reviews", "port", 9080)),
                "rules", List.of(Map.of("backendRefs", List.of(Map.of("name", "reviews", "port", 9080), Map.of("name", "gone", "port", 80))))));
        Map<String, Object> theirs = Map.of("parentRef", Map.of("group", "gateway.networking.k8s.io", "kind", "Gateway", "name", "edge"),
                "controllerName", "example.com/edge", "conditions", List.of(Map.of("type", "Accepted", "status", "True",
                        "reason", "Accepted", "message", "edge", "lastTransitionTime", "2025-01-01T00:00:00Z")));
        route.getAdditionalProperties().put("status", Map.of("parents", List.of(theirs)));
        generic("HTTPRoute").inNamespace("demo").resource(route).create();

        try (KubernetesConfigStore store = new KubernetesConfigStore(client).start();
             XdsState state = new XdsState(store, "cluster.local", Duration.ZERO);
             StatusWriter writer = new StatusWriter(client)) {
            state.addTranslationHook(writer);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                @SuppressWarnings("unchecked")
                List<Object> parents = (List<Object>) status("HTTPRoute", "reviews").get("parents");
                assertThat(parents).hasSize(2).contains(theirs);
                @SuppressWarnings("unchecked")
                Map<String, Object> ours = (Map<String, Object>) parents.get(1);
                assertThat(ours).containsEntry("controllerName", "istio.io/mesh-controller")
                        .containsEntry("parentRef", Map.of("group", "", "kind", "Service", "name", "reviews", "port", 9080));
                assertThat(condition(ours, "Accepted")).containsEntry("status", "True").containsEntry("reason", "Accepted");
                assertThat(condition(ours, "ResolvedRefs")).containsEntry("status", "False").containsEntry("reason", "BackendNotFound")
                        .containsEntry("message", "backend(gone.demo.svc.cluster.local) not found").containsKey("lastTransitionTime");
            });
            // the write comes back through the informer, is translated again, and is not written again
            await().atMost(Duration.ofSeconds(10)).until(() -> writer.writtenStoreVersion() == store.snapshot().version()
                    && ((GenericKubernetesResource) store.snapshot().objects().get(new ResourceKey("HTTPRoute", "demo", "reviews")).object())
                            .getAdditionalProperties().get("status") instanceof Map<?, ?> st && st.get("parents") instanceof List<?> l
                            && l.size() == 2);
            long writes = writer.writes();
            client.namespaces().withName("demo").edit(n -> new NamespaceBuilder(n).editMetadata().addToLabels("team", "a").endMetadata().build());
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                var namespace = store.snapshot().objects().get(new ResourceKey("Namespace", "", "demo"));
                return namespace != null && "a".equals(namespace.object().getMetadata().getLabels().get("team"))
                        && writer.writtenStoreVersion() == store.snapshot().version();
            });
            assertThat(writer.writes()).isEqualTo(writes);
        }
    }

    /** PUT requests to a status subresource since the last call, from the mock server's request history. */
    private int statusWrites() throws InterruptedException {
        int count = 0;
        RecordedRequest request;
        while ((request = server.takeRequest(0, TimeUnit.MILLISECONDS)) != null) {
            if ("PUT".equals(request.getMethod()) && request.getPath().contains("/status")) {
                count++;
            }
        }
        return count;
    }

    private static boolean written(KubernetesConfigStore store, String kind, String name) {
        var parsed = store.snapshot().objects().get(new ResourceKey(kind, "demo", name));
        return parsed != null && ((GenericKubernetesResource) parsed.object()).getAdditionalProperties().get("status") instanceof Map<?, ?> s
                && s.get("conditions") instanceof List<?> c && c.size() == 2;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> status(String kind, String name) {
        GenericKubernetesResource object = generic(kind).inNamespace("demo").withName(name).get();
        return object.getAdditionalProperties().get("status") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> condition(Map<String, Object> status, String type) {
        List<?> conditions = status.get("conditions") instanceof List<?> l ? l : List.of();
        return conditions.stream().map(c -> (Map<String, Object>) c).filter(c -> type.equals(c.get("type"))).findFirst().orElse(Map.of());
    }

    private io.fabric8.kubernetes.client.dsl.MixedOperation<GenericKubernetesResource, io.fabric8.kubernetes.api.model.GenericKubernetesResourceList,
            io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource>> generic(String kind) {
        return client.genericKubernetesResources(KubernetesConfigStore.definition(kind).orElseThrow());
    }

    private static GenericKubernetesResource object(String apiVersion, String kind, String name, Map<String, Object> spec) {
        return new GenericKubernetesResourceBuilder().withApiVersion(apiVersion).withKind(kind)
                .withNewMetadata().withName(name).withNamespace("demo").endMetadata()
                .addToAdditionalProperties("spec", spec).build();
    }
}
