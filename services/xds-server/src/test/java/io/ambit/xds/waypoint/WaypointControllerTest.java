package io.ambit.xds.waypoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.ambit.xds.state.XdsState;
import io.ambit.xds.store.KubernetesConfigStore;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.Test;

/**
 * The waypoint controller against fabric8's mock API server (CRUD): a waypoint Gateway gets its
 * ServiceAccount, Deployment and Service in istiod's shape, they follow the Gateway's changes, a
 * deleted one comes back, someone else's object is left alone, and they go with the Gateway.
 */
@EnableKubernetesMockClient(crud = true)
class WaypointControllerTest {

    static final WaypointDeploymentProperties SETTINGS = new WaypointDeploymentProperties("ambit/waypoint:test", "IfNotPresent",
            "ca-service.istio-system.svc:15012", "xds-server.istio-system.svc:15010", "--enable-native-access=ALL-UNNAMED");

    KubernetesMockServer server;
    KubernetesClient client;

    @Test
    void createsUpdatesRestoresAndDeletesTheWaypointsObjects() {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("demo").endMetadata().build()).create();
        GenericKubernetesResource gateway = gateways().inNamespace("demo").resource(gateway("waypoint", "istio-waypoint",
                List.of(Map.of("name", "mesh", "port", 15008, "protocol", "HBONE")))).create();

        try (KubernetesConfigStore store = new KubernetesConfigStore(client).start();
             XdsState state = new XdsState(store, "cluster.local", Duration.ZERO);
             WaypointController controller = new WaypointController(client, SETTINGS, "cluster.local").start()) {
            state.addTranslationHook(controller);

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(client.serviceAccounts().inNamespace("demo").withName("waypoint").get()).isNotNull();
                assertThat(deployment("waypoint")).isNotNull();
                assertThat(service("waypoint")).isNotNull();
            });
            Deployment deployment = deployment("waypoint");
            assertThat(deployment.getMetadata().getLabels()).containsEntry("gateway.networking.k8s.io/gateway-name", "waypoint")
                    .containsEntry("gateway.networking.k8s.io/gateway-class-name", "istio-waypoint")
                    .containsEntry("gateway.istio.io/managed", "istio.io-mesh-controller");
            assertThat(deployment.getMetadata().getOwnerReferences()).singleElement().satisfies(owner -> {
                assertThat(owner.getKind()).isEqualTo("Gateway");
                assertThat(owner.getApiVersion()).isEqualTo("gateway.networking.k8s.io/v1");
                assertThat(owner.getName()).isEqualTo("waypoint");
                assertThat(owner.getUid()).isEqualTo(gateway.getMetadata().getUid()).isNotBlank();
            });
            assertThat(deployment.getSpec().getSelector().getMatchLabels()).containsExactly(Map.entry("gateway.networking.k8s.io/gateway-name", "waypoint"));
            var pod = deployment.getSpec().getTemplate();
            assertThat(pod.getMetadata().getLabels()).containsEntry("istio.io/dataplane-mode", "none")
                    .containsEntry("gateway.istio.io/managed", "istio.io-mesh-controller");
            assertThat(pod.getSpec().getServiceAccountName()).isEqualTo("waypoint");
            var container = pod.getSpec().getContainers().getFirst();
            assertThat(container.getImage()).isEqualTo("ambit/waypoint:test");
            assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
            assertThat(container.getVolumeMounts()).extracting(m -> m.getMountPath()).contains("/tmp", "/var/run/secrets/tokens");
            assertThat(container.getEnv()).anySatisfy(e -> {
                assertThat(e.getName()).isEqualTo("AMBIT_WAYPOINT_POD_IP");
                assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("status.podIP");
            });
            assertThat(service("waypoint").getSpec().getSelector()).containsExactly(Map.entry("gateway.networking.k8s.io/gateway-name", "waypoint"));
            assertThat(service("waypoint").getSpec().getPorts()).extracting(ServicePort::getName, ServicePort::getPort, ServicePort::getAppProtocol)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("status-port", 15021, "tcp"),
                            org.assertj.core.groups.Tuple.tuple("mesh", 15008, "hbone"));

            // Nothing changes: no write. An unrelated change brings a translation and a pass that writes nothing.
            await().atMost(Duration.ofSeconds(10)).until(() -> controller.reconciledStoreVersion() >= store.snapshot().version());
            long writes = controller.writes();
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("other").endMetadata().build()).create();
            await().atMost(Duration.ofSeconds(10)).until(() -> controller.reconciledStoreVersion() >= store.snapshot().version()
                    && store.snapshot().objects().keySet().stream().anyMatch(k -> k.name().equals("other")));
            assertThat(controller.writes()).isEqualTo(writes);

            // A listener added to the Gateway: the Service follows (its allocated cluster IP kept).
            client.services().inNamespace("demo").withName("waypoint").edit(s -> new ServiceBuilder(s).editSpec()
                    .withClusterIP("10.96.0.20").withClusterIPs("10.96.0.20").endSpec().build());
            gateways().inNamespace("demo").withName("waypoint").edit(g -> {
                g.getAdditionalProperties().put("spec", Map.of("gatewayClassName", "istio-waypoint", "listeners", List.of(
                        Map.of("name", "mesh", "port", 15008, "protocol", "HBONE"),
                        Map.of("name", "proxy", "port", 15088, "protocol", "istio.io/PROXY"))));
                return g;
            });
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(service("waypoint").getSpec().getPorts()).extracting(ServicePort::getName).containsExactly("status-port", "mesh", "proxy");
                assertThat(service("waypoint").getSpec().getClusterIP()).isEqualTo("10.96.0.20");
            });

            // Deleted by hand: it comes back.
            client.apps().deployments().inNamespace("demo").withName("waypoint").delete();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(deployment("waypoint")).isNotNull());

            // Someone else's Service of a waypoint's name is left alone; the rest is still created.
            client.services().inNamespace("demo").resource(new ServiceBuilder().withNewMetadata().withName("theirs").withNamespace("demo")
                    .endMetadata().withNewSpec().addNewPort().withPort(80).endPort().endSpec().build()).create();
            gateways().inNamespace("demo").resource(gateway("theirs", "istio-waypoint",
                    List.of(Map.of("name", "mesh", "port", 15008, "protocol", "HBONE")))).create();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(deployment("theirs")).isNotNull());
            assertThat(service("theirs").getMetadata().getLabels()).isNullOrEmpty();
            assertThat(service("theirs").getSpec().getPorts()).extracting(ServicePort::getPort).containsExactly(80);

            // No longer a waypoint, and deleted: their objects go (the user's Service stays).
            gateways().inNamespace("demo").withName("theirs").edit(g -> {
                g.getAdditionalProperties().put("spec", Map.of("gatewayClassName", "some-ingress"));
                return g;
            });
            gateways().inNamespace("demo").withName("waypoint").delete();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(deployment("waypoint")).isNull();
                assertThat(service("waypoint")).isNull();
                assertThat(client.serviceAccounts().inNamespace("demo").withName("waypoint").get()).isNull();
                assertThat(deployment("theirs")).isNull();
            });
            assertThat(service("theirs")).isNotNull();
        }
    }

    @Test
    void aGatewayOfAnotherClassGetsNothing() {
        gateways().inNamespace("demo").resource(gateway("ingress", "some-ingress",
                List.of(Map.of("name", "http", "port", 80, "protocol", "HTTP")))).create();
        try (KubernetesConfigStore store = new KubernetesConfigStore(client).start();
             XdsState state = new XdsState(store, "cluster.local", Duration.ZERO);
             WaypointController controller = new WaypointController(client, SETTINGS, "cluster.local").start()) {
            state.addTranslationHook(controller);
            await().atMost(Duration.ofSeconds(10)).until(() -> controller.reconciledStoreVersion() >= store.snapshot().version());
            assertThat(deployment("ingress")).isNull();
            assertThat(controller.writes()).isZero();
        }
    }

    @Test
    void aGatewayOfAnyClassWhoseControllerIsIstiosMeshControllerIsAWaypoint() {
        client.genericKubernetesResources(KubernetesConfigStore.definition("GatewayClass").orElseThrow())
                .resource(new GenericKubernetesResourceBuilder().withApiVersion("gateway.networking.k8s.io/v1").withKind("GatewayClass")
                        .withNewMetadata().withName("team-waypoints").endMetadata()
                        .addToAdditionalProperties("spec", Map.of("controllerName", "istio.io/mesh-controller")).build())
                .create();
        gateways().inNamespace("demo").resource(gateway("team-wp", "team-waypoints",
                List.of(Map.of("name", "mesh", "port", 15008, "protocol", "HBONE")))).create();
        try (KubernetesConfigStore store = new KubernetesConfigStore(client).start();
             // a configured cluster id (ambit.mesh.cluster-id): the waypoint gets it as Istio's CLUSTER_ID
             XdsState state = new XdsState(store, "cluster.local", "east-1", Duration.ZERO,
                     new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
             WaypointController controller = new WaypointController(client, SETTINGS, "cluster.local").start()) {
            state.addTranslationHook(controller);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(deployment("team-wp")).isNotNull());
            assertThat(deployment("team-wp").getMetadata().getLabels())
                    .containsEntry("gateway.networking.k8s.io/gateway-class-name", "team-waypoints");
            assertThat(deployment("team-wp").getSpec().getTemplate().getSpec().getContainers().getFirst().getEnv())
                    .anySatisfy(e -> {
                        assertThat(e.getName()).isEqualTo("CLUSTER_ID");
                        assertThat(e.getValue()).isEqualTo("east-1");
                    });
        }
    }

    @Test
    void malformedListenersAreSkippedNotFatal() {
        GenericKubernetesResource hostile = gateway("odd", "istio-waypoint", List.of(
                Map.of("name", "mesh", "port", 15008, "protocol", "HBONE"),
                Map.of("name", "dup", "port", 15008, "protocol", "HBONE"),
                Map.of("name", "bad", "port", 70000, "protocol", "TCP"),
                Map.of("name", "noport", "protocol", "TCP"),
                "not-a-listener"));
        var rendered = WaypointResources.render(hostile, SETTINGS, "cluster.local", "Kubernetes");
        assertThat(rendered.service().getSpec().getPorts()).extracting(ServicePort::getName).containsExactly("status-port", "mesh");
    }

    private Deployment deployment(String name) {
        return client.apps().deployments().inNamespace("demo").withName(name).get();
    }

    private Service service(String name) {
        return client.services().inNamespace("demo").withName(name).get();
    }

    private io.fabric8.kubernetes.client.dsl.MixedOperation<GenericKubernetesResource, io.fabric8.kubernetes.api.model.GenericKubernetesResourceList,
            io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource>> gateways() {
        return client.genericKubernetesResources(KubernetesConfigStore.definition("Gateway").orElseThrow());
    }

    private static GenericKubernetesResource gateway(String name, String gatewayClass, List<?> listeners) {
        return new GenericKubernetesResourceBuilder().withApiVersion("gateway.networking.k8s.io/v1").withKind("Gateway")
                .withNewMetadata().withName(name).withNamespace("demo").endMetadata()
                .addToAdditionalProperties("spec", Map.of("gatewayClassName", gatewayClass, "listeners", listeners)).build();
    }
}
