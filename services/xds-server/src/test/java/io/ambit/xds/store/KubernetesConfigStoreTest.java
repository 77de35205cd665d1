package io.ambit.xds.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
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

            client.pods().inNamespace("demo").withName("sleep").delete();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(store.snapshot().objects()).doesNotContainKey(new ResourceKey("Pod", "demo", "sleep")));
            assertThat(store.snapshot().all(io.fabric8.kubernetes.api.model.Namespace.class)).hasSize(1);
        }
    }

    private static Pod pod(String name, String node) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace("demo").endMetadata()
                .withNewSpec().withNodeName(node).addNewContainer().withName("c").withImage("i").endContainer().endSpec()
                .build();
    }
}
