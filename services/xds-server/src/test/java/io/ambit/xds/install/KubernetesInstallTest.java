package io.ambit.xds.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import io.ambit.proto.workload.Address;
import io.ambit.proto.workload.TunnelProtocol;
import io.ambit.testkit.KubernetesManifests;
import io.ambit.xds.KubernetesModeXds;
import io.ambit.xds.state.XdsResource;
import io.ambit.xds.state.XdsState;
import io.ambit.xds.store.KubernetesConfigStore;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * README's "Kubernetes" commands, run in order against fabric8's mock API server (CRUD) with the
 * real xds-server in its {@code kubernetes} profile: {@code kubectl apply -k} is kustomize's
 * rendering created object by object, {@code apply -f} the file's objects, {@code label} the label.
 * The test stands in for what a cluster adds and the mock does not: a pod per Deployment of the
 * demo namespace (kubelet, with an IP) and a cluster IP per Service (the allocator). It checks the
 * translation (enrolled pods are HBONE workloads, services bound to the waypoint), the waypoint
 * Deployment the xds-server creates, and the status it writes (the Gateway Programmed with the
 * Service's address).
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesInstallTest {

    static final String UPSTREAM_GATEWAY_API = "https://github.com/kubernetes-sigs/gateway-api/releases/download/";

    KubernetesMockServer server;
    KubernetesClient client;

    @TempDir
    Path files;

    private final AtomicInteger podIps = new AtomicInteger(10);
    private final AtomicInteger serviceIps = new AtomicInteger(10);
    private ConfigurableApplicationContext xds;

    @Test
    void readmeCommandsInstallTheMeshEnrolANamespaceAndAddAWaypoint() throws Exception {
        Kustomize.requireKubectl();
        List<String> commands = readmeCommands();
        assertThat(commands).as("README's Kubernetes commands").hasSizeGreaterThanOrEqualTo(6);
        try {
            for (String command : commands) {
                run(command);
            }
            XdsState state = xds.getBean(XdsState.class);
            // The writers run on the holder of the writer Lease: this one, the only replica here.
            await().atMost(Duration.ofSeconds(30)).until(() -> xds.getBean(io.ambit.xds.leader.WriterLease.class).isLeader());
            assertThat(client.leases().inNamespace("istio-system").withName("ambit-xds-server-writer").get().getSpec().getHolderIdentity())
                    .isEqualTo(xds.getBean(io.ambit.xds.leader.WriterLease.class).identity());

            // Spring Cloud Kubernetes: the client is its auto-configuration's; the mesh settings are
            // ConfigMap ambit-mesh's, and an edit reaches the running server (logging levels at once).
            assertThat(xds.getBean(KubernetesClient.class).getClass().getName()).doesNotStartWith("io.ambit");
            assertThat(xds.getEnvironment().getProperty("logging.level.io.ambit")).isEqualTo("INFO");
            assertThat(xds.getEnvironment().getProperty("ambit.xds.debounce")).isEqualTo("100ms");
            client.configMaps().inNamespace("istio-system").withName("ambit-mesh").edit(cm -> {
                cm.getData().put("application.yaml", cm.getData().get("application.yaml").replace("io.ambit: INFO", "io.ambit: DEBUG"));
                return cm;
            });
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(xds.getEnvironment().getProperty("logging.level.io.ambit")).isEqualTo("DEBUG");
                assertThat(org.slf4j.LoggerFactory.getLogger("io.ambit.xds").isDebugEnabled()).isTrue();
            });

            // Enrolled: the demo pods are HBONE workloads with their own identities.
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Address helloworld = workload(state, "helloworld").orElseThrow();
                assertThat(helloworld.getWorkload().getTunnelProtocol()).isEqualTo(TunnelProtocol.HBONE);
                assertThat(helloworld.getWorkload().getServiceAccount()).isEqualTo("helloworld");
                assertThat(workload(state, "curl").orElseThrow().getWorkload().getTunnelProtocol()).isEqualTo(TunnelProtocol.HBONE);
            });

            // The waypoint: created by the xds-server, owned by the Gateway.
            GenericKubernetesResource gateway = gateways().inNamespace("demo").withName("waypoint").get();
            Deployment waypoint = client.apps().deployments().inNamespace("demo").withName("waypoint").get();
            assertThat(waypoint).as("the waypoint Deployment the xds-server creates").isNotNull();
            assertThat(waypoint.getMetadata().getOwnerReferences()).singleElement()
                    .satisfies(owner -> assertThat(owner.getUid()).isEqualTo(gateway.getMetadata().getUid()));
            assertThat(waypoint.getSpec().getTemplate().getSpec().getContainers().getFirst().getImage())
                    .isEqualTo("ambit/waypoint:" + RenderedManifestsTest.VERSION);
            Service waypointService = client.services().inNamespace("demo").withName("waypoint").get();
            String waypointIp = waypointService.getSpec().getClusterIP();
            assertThat(waypointIp).isNotBlank();

            // Status written back: the Gateway is programmed with its Service's address.
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Map<?, ?> status = (Map<?, ?>) gateways().inNamespace("demo").withName("waypoint").get().getAdditionalProperties().get("status");
                assertThat(status).isNotNull();
                assertThat(condition(status, "Programmed")).containsEntry("status", "True");
                assertThat(status.get("addresses")).isEqualTo(List.of(Map.of("type", "IPAddress", "value", waypointIp)));
            });

            // Translation: the namespace's service goes through the waypoint; the waypoint's own pod does not.
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Address service = service(state, "helloworld.demo.svc.cluster.local").orElseThrow();
                assertThat(service.getService().getWaypoint().hasAddress()).as("helloworld's waypoint").isTrue();
                assertThat(InetAddress.getByAddress(service.getService().getWaypoint().getAddress().getAddress().toByteArray())
                        .getHostAddress()).isEqualTo(waypointIp);
                Address waypointPod = workload(state, "waypoint").orElseThrow();
                assertThat(waypointPod.getWorkload().hasWaypoint()).isFalse();
            });
        } finally {
            if (xds != null) {
                xds.close();
            }
            for (String property : List.of("kubernetes.master", "kubernetes.trust.certificates", "kubernetes.auth.tryKubeConfig",
                    "kubernetes.auth.tryServiceAccount", "kubernetes.namespace")) {
                System.clearProperty(property);
            }
        }
    }

    /** One README command, as kubectl would do it against this API server. */
    private void run(String command) throws Exception {
        List<String> words = List.of(command.trim().split("\\s+"));
        if (command.startsWith("kubectl apply --server-side -f " + UPSTREAM_GATEWAY_API) && command.endsWith("/standard-install.yaml")) {
            return; // the Gateway API's own CRDs: the mock serves any kind without them
        }
        if (words.size() == 4 && words.subList(0, 3).equals(List.of("kubectl", "apply", "-k"))) {
            List<HasMetadata> objects = Kustomize.objects(Kustomize.REPO.resolve(words.get(3)));
            objects.forEach(object -> client.resource(object).create());
            startXdsServer(); // the install's control plane comes up
            return;
        }
        if (words.size() == 4 && words.subList(0, 3).equals(List.of("kubectl", "apply", "-f"))) {
            for (HasMetadata object : KubernetesManifests.load(Kustomize.REPO.resolve(words.get(3)))) {
                client.resource(object).create();
            }
            actAsCluster();
            return;
        }
        if (words.size() == 5 && words.subList(0, 3).equals(List.of("kubectl", "label", "namespace"))) {
            String[] label = words.get(4).split("=", 2);
            client.namespaces().withName(words.get(3)).edit(ns -> new NamespaceBuilder(ns).editMetadata()
                    .addToLabels(label[0], label[1]).endMetadata().build());
            return;
        }
        if (words.size() == 6 && words.subList(0, 4).equals(List.of("kubectl", "-n", "istio-system", "port-forward"))) {
            String[] target = words.get(4).split("/", 2);
            int port = Integer.parseInt(words.get(5).split(":")[1]);
            assertThat(target[0]).isEqualTo("svc");
            Service service = client.services().inNamespace("istio-system").withName(target[1]).get();
            assertThat(service).as(command).isNotNull();
            assertThat(service.getSpec().getPorts()).as(command).anySatisfy(p -> assertThat(p.getPort()).isEqualTo(port));
            return;
        }
        throw new AssertionError("README has a Kubernetes command this test cannot run: " + command);
    }

    private void startXdsServer() throws Exception {
        xds = KubernetesModeXds.start(client, files);
    }

    /**
     * What a cluster adds that the mock does not, until nothing is missing: a Running pod with an IP
     * per Deployment outside the mesh namespace (kubelet) and a cluster IP per Service (the
     * allocator). Waits for the Deployments the xds-server creates asynchronously, too.
     */
    private void actAsCluster() {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            List<String> namespaces = client.namespaces().list().getItems().stream().map(n -> n.getMetadata().getName())
                    .filter(n -> !n.equals("istio-system")).toList();
            for (String namespace : namespaces) {
                for (Deployment deployment : client.apps().deployments().inNamespace(namespace).list().getItems()) {
                    String name = deployment.getMetadata().getName() + "-0";
                    if (client.pods().inNamespace(namespace).withName(name).get() == null) {
                        var template = deployment.getSpec().getTemplate();
                        client.pods().inNamespace(namespace).resource(new PodBuilder()
                                .withNewMetadata().withName(name).withNamespace(namespace).withLabels(template.getMetadata().getLabels())
                                .withAnnotations(template.getMetadata().getAnnotations()).endMetadata()
                                .withSpec(new PodBuilder().withSpec(template.getSpec()).build().getSpec())
                                .editSpec().withNodeName("node-a").endSpec()
                                .withNewStatus().withPhase("Running").withPodIP("10.244.0." + podIps.getAndIncrement())
                                .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus()
                                .build()).create();
                    }
                }
                for (Service service : client.services().inNamespace(namespace).list().getItems()) {
                    if (service.getSpec().getClusterIP() == null || service.getSpec().getClusterIP().isEmpty()) {
                        String ip = "10.96.0." + serviceIps.getAndIncrement();
                        client.services().inNamespace(namespace).withName(service.getMetadata().getName()).edit(s -> new ServiceBuilder(s)
                                .editSpec().withClusterIP(ip).withClusterIPs(ip).endSpec().build());
                    }
                }
            }
            // a waypoint Gateway whose Deployment is not there yet: wait for the controller
            for (GenericKubernetesResource gateway : gateways().inAnyNamespace().list().getItems()) {
                Map<?, ?> spec = (Map<?, ?>) gateway.getAdditionalProperties().get("spec");
                if ("istio-waypoint".equals(spec.get("gatewayClassName"))) {
                    String namespace = gateway.getMetadata().getNamespace();
                    assertThat(client.pods().inNamespace(namespace).withName(gateway.getMetadata().getName() + "-0").get())
                            .as("the waypoint pod (after the controller created its Deployment)").isNotNull();
                    Service service = client.services().inNamespace(namespace).withName(gateway.getMetadata().getName()).get();
                    assertThat(service).as("the waypoint Service the controller creates").isNotNull();
                    assertThat(service.getSpec().getClusterIP()).as("its cluster IP (allocated on the next pass)").isNotBlank();
                }
            }
        });
    }

    private static List<String> readmeCommands() throws Exception {
        String readme = Files.readString(Kustomize.REPO.resolve("README.md"));
        int start = readme.indexOf("\n## Kubernetes\n");
        assertThat(start).as("README has a Kubernetes section").isPositive();
        int end = readme.indexOf("\n## ", start + 1);
        String section = readme.substring(start, end < 0 ? readme.length() : end);
        List<String> commands = new ArrayList<>();
        boolean inBlock = false;
        for (String line : section.split("\n")) {
            if (line.startsWith("```")) {
                inBlock = !inBlock;
            } else if (inBlock && line.startsWith("kubectl ")) {
                commands.add(line.trim());
            }
        }
        return commands;
    }

    private static Optional<Address> workload(XdsState state, String deployment) {
        return addresses(state).stream().filter(Address::hasWorkload)
                .filter(a -> a.getWorkload().getName().equals(deployment + "-0")).findFirst();
    }

    private static Optional<Address> service(XdsState state, String hostname) {
        return addresses(state).stream().filter(Address::hasService)
                .filter(a -> a.getService().getHostname().equals(hostname)).findFirst();
    }

    private static List<Address> addresses(XdsState state) {
        List<Address> addresses = new ArrayList<>();
        for (XdsResource resource : state.addresses().values()) {
            try {
                addresses.add(resource.body().unpack(Address.class));
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new AssertionError(resource.name(), e);
            }
        }
        return addresses;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> condition(Map<?, ?> status, String type) {
        List<Map<String, Object>> conditions = (List<Map<String, Object>>) status.get("conditions");
        return conditions == null ? Map.of() : conditions.stream().filter(c -> Objects.equals(c.get("type"), type)).findFirst()
                .orElse(new HashMap<>());
    }

    private io.fabric8.kubernetes.client.dsl.MixedOperation<GenericKubernetesResource, io.fabric8.kubernetes.api.model.GenericKubernetesResourceList,
            io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource>> gateways() {
        return client.genericKubernetesResources(KubernetesConfigStore.definition("Gateway").orElseThrow());
    }
}
