package io.ambit.xds.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.Test;

/** The Kubernetes backend against fabric8's mock API server in CRUD mode, through informer events. */
@EnableKubernetesMockClient(crud = true)
class KubernetesConfigStoreTest {

    KubernetesMockServer server;
    KubernetesClient client;

    @Test
    void followsAddsUpdatesAndDeletes() {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("demo")
                .addToLabels("istio.io/dataplane-mode", "ambient").endMetadata().build()).create();
        client.pods().inNamespace("demo").resource(pod("sleep", "node-a")).create();

        try (KubernetesConfigStore store = new KubernetesConfigStore(client).start()) {
            // start() returns with the initial lists in
            assertThat(store.synced()).isTrue();
            assertThat(store.snapshot().objects()).containsKeys(
                    new ResourceKey("Namespace", "", "demo"), new ResourceKey("Pod", "demo", "sleep"));

            client.services().inNamespace("demo").resource(new ServiceBuilder().withNewMetadata().withName("echo")
                    .withNamespace("demo").endMetadata().withNewSpec().addToSelector("app", "echo")
                    .addNewPort().withPort(80).endPort().endSpec().build()).create();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(store.snapshot().objects()).containsKey(new ResourceKey("Service", "demo", "echo")));

            client.pods().inNamespace("demo").withName("sleep").edit(p -> new PodBuilder(p).editSpec().withNodeName("node-b").endSpec().build());
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                    ((Pod) store.snapshot().objects().get(new ResourceKey("Pod", "demo", "sleep")).object()).getSpec().getNodeName())
                    .isEqualTo("node-b"));
            // each event publishes its own object as the snapshot's change (what the pod-only path reads)
            assertThat(store.snapshot().changed()).containsExactly(new ResourceKey("Pod", "demo", "sleep"));

            client.pods().inNamespace("demo").withName("sleep").delete();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(store.snapshot().objects()).doesNotContainKey(new ResourceKey("Pod", "demo", "sleep")));
            assertThat(store.snapshot().all(io.fabric8.kubernetes.api.model.Namespace.class)).hasSize(1);
        }
    }

    @Test
    void watchesEndpointSlicesAndTheIstioAndGatewayApiKinds() {
        try (KubernetesConfigStore store = new KubernetesConfigStore(client).start()) {
            ResourceKey gatewayKey = new ResourceKey("Gateway", "demo", "waypoint");
            ResourceKey policyKey = new ResourceKey("AuthorizationPolicy", "demo", "deny-all");
            ResourceKey sliceKey = new ResourceKey("EndpointSlice", "demo", "legacy-abc");

            gateways().inNamespace("demo").resource(generic("gateway.networking.k8s.io/v1", "Gateway", "waypoint",
                    Map.of("gatewayClassName", "istio-waypoint"))).create();
            policies().inNamespace("demo").resource(generic("security.istio.io/v1", "AuthorizationPolicy", "deny-all",
                    Map.of("action", "DENY"))).create();
            client.discovery().v1().endpointSlices().inNamespace("demo").resource(slice("10.0.0.1")).create();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(store.snapshot().objects()).containsKeys(gatewayKey, policyKey, sliceKey);
                assertThat(store.snapshot().objects().get(gatewayKey).object()).isInstanceOf(GenericKubernetesResource.class);
            });

            gateways().inNamespace("demo").withName("waypoint").edit(g -> {
                g.getAdditionalProperties().put("spec", Map.of("gatewayClassName", "other"));
                return g;
            });
            policies().inNamespace("demo").withName("deny-all").edit(p -> {
                p.getAdditionalProperties().put("spec", Map.of("action", "ALLOW"));
                return p;
            });
            client.discovery().v1().endpointSlices().inNamespace("demo").withName("legacy-abc")
                    .edit(e -> new EndpointSliceBuilder(e).editFirstEndpoint().withAddresses("10.0.0.2").endEndpoint().build());
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(spec(store, gatewayKey)).containsEntry("gatewayClassName", "other");
                assertThat(spec(store, policyKey)).containsEntry("action", "ALLOW");
                assertThat(((EndpointSlice) store.snapshot().objects().get(sliceKey).object()).getEndpoints().get(0).getAddresses())
                        .containsExactly("10.0.0.2");
            });

            gateways().inNamespace("demo").withName("waypoint").delete();
            policies().inNamespace("demo").withName("deny-all").delete();
            client.discovery().v1().endpointSlices().inNamespace("demo").withName("legacy-abc").delete();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(store.snapshot().objects()).doesNotContainKeys(gatewayKey, policyKey, sliceKey));
        }
    }

    @Test
    void watchesHttpRoutesGrpcRoutesAndReferenceGrants() {
        try (KubernetesConfigStore store = new KubernetesConfigStore(client).start()) {
            Map<String, Object> parent = Map.of("parentRefs", List.of(Map.of("group", "", "kind", "Service", "name", "reviews")));
            client.genericKubernetesResources(context("HTTPRoute")).inNamespace("demo")
                    .resource(generic("gateway.networking.k8s.io/v1", "HTTPRoute", "reviews", parent)).create();
            client.genericKubernetesResources(context("GRPCRoute")).inNamespace("demo")
                    .resource(generic("gateway.networking.k8s.io/v1", "GRPCRoute", "backend", parent)).create();
            client.genericKubernetesResources(context("ReferenceGrant")).inNamespace("demo")
                    .resource(generic("gateway.networking.k8s.io/v1beta1", "ReferenceGrant", "grant", Map.of(
                            "from", List.of(Map.of("group", "gateway.networking.k8s.io", "kind", "HTTPRoute", "namespace", "x")),
                            "to", List.of(Map.of("group", "", "kind", "Service"))))).create();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(store.snapshot().objects()).containsKeys(
                    new ResourceKey("HTTPRoute", "demo", "reviews"), new ResourceKey("GRPCRoute", "demo", "backend"),
                    new ResourceKey("ReferenceGrant", "demo", "grant")));
            client.genericKubernetesResources(context("HTTPRoute")).inNamespace("demo").withName("reviews").delete();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(store.snapshot().objects()).doesNotContainKey(new ResourceKey("HTTPRoute", "demo", "reviews")));
        }
    }

    /** istiod's informer counters: registry kinds by their registry type, config kinds by Kind; initial adds included. */
    @Test
    void countsInformerEventsAsIstiodDoes() {
        client.pods().inNamespace("demo").resource(pod("sleep", "node-a")).create();
        var meters = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        try (KubernetesConfigStore store = new KubernetesConfigStore(client, meters).start()) {
            assertThat(value(meters, "pilot_k8s_reg_events", "Pods", "add")).isEqualTo(1);

            client.pods().inNamespace("demo").withName("sleep").edit(p -> new PodBuilder(p).editSpec().withNodeName("node-b").endSpec().build());
            client.pods().inNamespace("demo").withName("sleep").delete();
            client.services().inNamespace("demo").resource(new ServiceBuilder().withNewMetadata().withName("echo")
                    .withNamespace("demo").endMetadata().withNewSpec().addNewPort().withPort(80).endPort().endSpec().build()).create();
            client.discovery().v1().endpointSlices().inNamespace("demo").resource(slice("10.0.0.1")).create();
            policies().inNamespace("demo").resource(generic("security.istio.io/v1", "AuthorizationPolicy", "deny-all",
                    Map.of("action", "DENY"))).create();
            policies().inNamespace("demo").withName("deny-all").delete();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(value(meters, "pilot_k8s_reg_events", "Pods", "update")).isEqualTo(1);
                assertThat(value(meters, "pilot_k8s_reg_events", "Pods", "delete")).isEqualTo(1);
                assertThat(value(meters, "pilot_k8s_reg_events", "Services", "add")).isEqualTo(1);
                assertThat(value(meters, "pilot_k8s_reg_events", "EndpointSlice", "add")).isEqualTo(1);
                assertThat(value(meters, "pilot_k8s_cfg_events", "AuthorizationPolicy", "add")).isEqualTo(1);
                assertThat(value(meters, "pilot_k8s_cfg_events", "AuthorizationPolicy", "delete")).isEqualTo(1);
            });
            // registry kinds never appear as config events, nor the other way round
            assertThat(meters.find("pilot_k8s_cfg_events").tag("type", "Pod").gauges()).isEmpty();
            assertThat(meters.find("pilot_k8s_reg_events").tag("type", "AuthorizationPolicy").gauges()).isEmpty();
        }
    }

    private static double value(io.micrometer.core.instrument.MeterRegistry meters, String name, String type, String event) {
        var gauge = meters.find(name).tags("type", type, "event", event).gauge();
        return gauge == null ? 0 : gauge.value();
    }

    @Test
    void aMissingCrdIsLeftOutAndTheRestIsWatched() {
        // Without the CRD, the API server answers 404 to the list; the expectation wins over CRUD mode.
        server.expect().get().withPath("/apis/networking.istio.io/v1/serviceentries?resourceVersion=0")
                .andReturn(404, "404 page not found").always();
        server.expect().get().withPath("/apis/networking.istio.io/v1/serviceentries")
                .andReturn(404, "404 page not found").always();
        client.pods().inNamespace("demo").resource(pod("sleep", "node-a")).create();
        try (KubernetesConfigStore store = new KubernetesConfigStore(client).start()) {
            assertThat(store.synced()).isTrue();
            assertThat(store.snapshot().objects()).containsKey(new ResourceKey("Pod", "demo", "sleep"));
            gateways().inNamespace("demo").resource(generic("gateway.networking.k8s.io/v1", "Gateway", "late",
                    Map.of("gatewayClassName", "istio-waypoint"))).create();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(store.snapshot().objects()).containsKey(new ResourceKey("Gateway", "demo", "late")));
        }
    }

    private io.fabric8.kubernetes.client.dsl.MixedOperation<GenericKubernetesResource, io.fabric8.kubernetes.api.model.GenericKubernetesResourceList,
            io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource>> gateways() {
        return client.genericKubernetesResources(context("Gateway"));
    }

    private io.fabric8.kubernetes.client.dsl.MixedOperation<GenericKubernetesResource, io.fabric8.kubernetes.api.model.GenericKubernetesResourceList,
            io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource>> policies() {
        return client.genericKubernetesResources(context("AuthorizationPolicy"));
    }

    private static ResourceDefinitionContext context(String kind) {
        return KubernetesConfigStore.CRDS.stream().filter(c -> c.getKind().equals(kind)).findFirst().orElseThrow();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> spec(KubernetesConfigStore store, ResourceKey key) {
        return (Map<String, Object>) ((GenericKubernetesResource) store.snapshot().objects().get(key).object())
                .getAdditionalProperties().get("spec");
    }

    private static GenericKubernetesResource generic(String apiVersion, String kind, String name, Map<String, Object> spec) {
        return new GenericKubernetesResourceBuilder().withApiVersion(apiVersion).withKind(kind)
                .withNewMetadata().withName(name).withNamespace("demo").endMetadata()
                .addToAdditionalProperties("spec", spec).build();
    }

    private static EndpointSlice slice(String address) {
        return new EndpointSliceBuilder().withNewMetadata().withName("legacy-abc").withNamespace("demo")
                .addToLabels("kubernetes.io/service-name", "legacy").endMetadata()
                .withAddressType("IPv4")
                .addNewEndpoint().withAddresses(List.of(address)).endEndpoint()
                .addNewPort().withName("http").withPort(8080).endPort()
                .build();
    }

    private static Pod pod(String name, String node) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace("demo").endMetadata()
                .withNewSpec().withNodeName(node).addNewContainer().withName("c").withImage("i").endContainer().endSpec()
                .build();
    }
}
