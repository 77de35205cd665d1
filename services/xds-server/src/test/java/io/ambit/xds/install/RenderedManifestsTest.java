package io.ambit.xds.install;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.ambit.xds.waypoint.WaypointDeploymentProperties;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Every overlay in {@code k8s/overlays} renders with {@code kubectl kustomize}, every rendered
 * object parses strictly into fabric8's typed model, and the install keeps its promises: actuator
 * probes, resources, read-only root with a writable /tmp, a PDB per Deployment, ztunnel's
 * capabilities and mounts, and image names that {@code spring-boot:build-image} produces.
 */
class RenderedManifestsTest {

    static final String VERSION = projectVersion();

    @ParameterizedTest
    @ValueSource(strings = {"default", "dev"})
    void rendersAndEveryObjectParsesStrictly(String overlay) throws Exception {
        List<HasMetadata> objects = Kustomize.objects(Kustomize.REPO.resolve("k8s/overlays/" + overlay));
        assertThat(objects).hasSizeGreaterThan(20);
        for (HasMetadata object : objects) {
            String name = object.getKind() + " " + object.getMetadata().getName();
            assertThat(object).as(name + " has no typed model (unknown apiVersion/kind?)").isNotInstanceOf(GenericKubernetesResource.class);
            assertThat(StrictModel.unknownFields(object)).as(name + ": unknown fields").isEmpty();
            // and survives a round trip (what kubectl would send is what was written)
            assertThat(Serialization.unmarshal(Serialization.asYaml(object), HasMetadata.class)).isEqualTo(object);
        }
        assertThat(objects).extracting(HasMetadata::getKind).contains("Namespace", "CustomResourceDefinition", "GatewayClass",
                "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Deployment", "DaemonSet", "Service", "PodDisruptionBudget");
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "dev"})
    void workloadsHaveProbesResourcesAReadOnlyRootAndAWritableTmp(String overlay) throws Exception {
        List<HasMetadata> objects = Kustomize.objects(Kustomize.REPO.resolve("k8s/overlays/" + overlay));
        List<Deployment> deployments = of(objects, Deployment.class);
        assertThat(deployments).extracting(d -> d.getMetadata().getName()).containsExactlyInAnyOrder("ca-service", "xds-server", "admin-ui");
        List<PodSpec> pods = new ArrayList<>(deployments.stream().map(d -> d.getSpec().getTemplate().getSpec()).toList());
        pods.add(single(objects, DaemonSet.class, d -> true).getSpec().getTemplate().getSpec());
        for (PodSpec pod : pods) {
            Container container = pod.getContainers().getFirst();
            assertThat(container.getReadinessProbe().getHttpGet().getPath()).as(container.getName()).isIn("/actuator/health/readiness", "/readyz");
            assertThat(container.getLivenessProbe().getHttpGet().getPath()).as(container.getName()).isIn("/actuator/health/liveness", "/livez");
            assertThat(container.getResources().getRequests()).as(container.getName()).containsKeys("cpu", "memory");
            assertThat(container.getResources().getLimits()).as(container.getName()).containsKey("memory");
            assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).as(container.getName()).isTrue();
            assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).as(container.getName()).isFalse();
            assertThat(container.getSecurityContext().getCapabilities().getDrop()).as(container.getName()).containsExactly("ALL");
            var tmp = container.getVolumeMounts().stream().filter(m -> m.getMountPath().equals("/tmp")).findFirst();
            assertThat(tmp).as(container.getName() + " writable /tmp (netty-tcnative)").isPresent();
            assertThat(pod.getVolumes()).filteredOn(v -> v.getName().equals(tmp.get().getName()))
                    .singleElement().satisfies(v -> assertThat(v.getEmptyDir()).isNotNull());
            assertThat(pod.getServiceAccountName()).isEqualTo(container.getName());
        }
        for (Deployment deployment : deployments) {
            PodDisruptionBudget pdb = single(objects, PodDisruptionBudget.class, p -> p.getMetadata().getName().equals(deployment.getMetadata().getName()));
            assertThat(pdb.getSpec().getSelector().getMatchLabels()).isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
        }
    }

    /** Grafana's dashboard sidecar finds the dashboards by label; every file of k8s/dashboards is in it, as it is there. */
    @ParameterizedTest
    @ValueSource(strings = {"default", "dev"})
    void theDashboardsAreAConfigMapForGrafanasSidecar(String overlay) throws Exception {
        List<HasMetadata> objects = Kustomize.objects(Kustomize.REPO.resolve("k8s/overlays/" + overlay));
        io.fabric8.kubernetes.api.model.ConfigMap dashboards = single(objects, io.fabric8.kubernetes.api.model.ConfigMap.class,
                c -> c.getMetadata().getName().equals("ambit-dashboards"));
        assertThat(dashboards.getMetadata().getNamespace()).isEqualTo("istio-system");
        assertThat(dashboards.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
        Path dir = Kustomize.REPO.resolve("k8s/dashboards");
        List<String> files;
        try (var listing = Files.list(dir)) {
            files = listing.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".json")).toList();
        }
        assertThat(dashboards.getData().keySet()).containsExactlyInAnyOrderElementsOf(files).contains("control-plane.json");
        for (var entry : dashboards.getData().entrySet()) {
            assertThat(entry.getValue()).as(entry.getKey()).isEqualTo(Files.readString(dir.resolve(entry.getKey())));
            assertThat(io.ambit.service.GrafanaDashboard.parse(entry.getKey(), entry.getValue()).metrics()).as(entry.getKey()).isNotEmpty();
        }
    }

    /** Two xds-server replicas only because a Lease elects the writer: it may get, create and update that Lease. */
    @Test
    void theXdsServerRunsTwoReplicasAndMayHoldTheWriterLease() throws Exception {
        List<HasMetadata> objects = Kustomize.objects(Kustomize.REPO.resolve("k8s/overlays/default"));
        assertThat(single(objects, Deployment.class, d -> d.getMetadata().getName().equals("xds-server")).getSpec().getReplicas()).isEqualTo(2);
        var role = single(objects, io.fabric8.kubernetes.api.model.rbac.Role.class, r -> r.getMetadata().getName().equals("ambit-xds-server-config"));
        assertThat(role.getMetadata().getNamespace()).isEqualTo("istio-system");
        assertThat(role.getRules()).anySatisfy(rule -> {
            assertThat(rule.getApiGroups()).containsExactly("coordination.k8s.io");
            assertThat(rule.getResources()).containsExactly("leases");
            assertThat(rule.getVerbs()).containsExactlyInAnyOrder("get", "create", "update");
        });
    }

    /**
     * ztunnel and admin-ui find the control plane through Spring Cloud Kubernetes' DiscoveryClient: each may
     * get, list and watch Services and Endpoints in istio-system, and nothing more anywhere.
     */
    @Test
    void discoveryReadsServicesAndEndpointsInTheMeshNamespaceOnly() throws Exception {
        List<HasMetadata> objects = Kustomize.objects(Kustomize.REPO.resolve("k8s/overlays/default"));
        for (String account : List.of("ztunnel", "admin-ui")) {
            var binding = single(objects, io.fabric8.kubernetes.api.model.rbac.RoleBinding.class,
                    b -> b.getMetadata().getName().equals("ambit-" + account + "-discovery"));
            assertThat(binding.getMetadata().getNamespace()).isEqualTo("istio-system");
            assertThat(binding.getSubjects()).singleElement().satisfies(subject -> {
                assertThat(subject.getName()).isEqualTo(account);
                assertThat(subject.getNamespace()).isEqualTo("istio-system");
            });
            var role = single(objects, io.fabric8.kubernetes.api.model.rbac.Role.class,
                    r -> r.getMetadata().getName().equals(binding.getRoleRef().getName()));
            assertThat(role.getMetadata().getNamespace()).isEqualTo("istio-system");
            assertThat(role.getRules()).singleElement().satisfies(rule -> {
                assertThat(rule.getApiGroups()).containsExactly("");
                assertThat(rule.getResources()).containsExactlyInAnyOrder("services", "endpoints");
                assertThat(rule.getVerbs()).containsExactlyInAnyOrder("get", "list", "watch");
            });
            // no other grant to that account, in any namespace or cluster-wide
            assertThat(of(objects, io.fabric8.kubernetes.api.model.rbac.RoleBinding.class))
                    .filteredOn(b -> b != binding && b.getSubjects().stream().anyMatch(s -> account.equals(s.getName())))
                    .isEmpty();
            assertThat(of(objects, io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding.class))
                    .filteredOn(b -> b.getSubjects().stream().anyMatch(s -> account.equals(s.getName())))
                    .isEmpty();
        }
    }

    /** One CLUSTER_ID for the mesh: ConfigMap ambit-cluster, read by the xds-server and every ztunnel. */
    @Test
    void theClusterIdHasOneHome() throws Exception {
        List<HasMetadata> objects = Kustomize.objects(Kustomize.REPO.resolve("k8s/overlays/default"));
        var cluster = single(objects, io.fabric8.kubernetes.api.model.ConfigMap.class, c -> c.getMetadata().getName().equals("ambit-cluster"));
        assertThat(new io.ambit.service.MeshProperties(cluster.getData().get("CLUSTER_ID")).clusterId()).isEqualTo("Kubernetes");
        List<Container> readers = List.of(
                single(objects, Deployment.class, d -> d.getMetadata().getName().equals("xds-server")).getSpec().getTemplate().getSpec()
                        .getContainers().getFirst(),
                single(objects, DaemonSet.class, d -> d.getMetadata().getName().equals("ztunnel")).getSpec().getTemplate().getSpec()
                        .getContainers().getFirst());
        for (Container container : readers) {
            assertThat(container.getEnv()).as(container.getName()).filteredOn(e -> e.getName().equals("CLUSTER_ID")).singleElement()
                    .satisfies(e -> {
                        assertThat(e.getValueFrom().getConfigMapKeyRef().getName()).isEqualTo("ambit-cluster");
                        assertThat(e.getValueFrom().getConfigMapKeyRef().getKey()).isEqualTo("CLUSTER_ID");
                    });
        }
    }

    @Test
    void theStrictCheckFindsAMisspeltField() {
        HasMetadata deployment = Serialization.unmarshal("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: typo}
                spec:
                  selector: {matchLabels: {app: typo}}
                  template:
                    metadata: {labels: {app: typo}}
                    spec:
                      containers:
                        - name: typo
                          image: example
                          readinesProbe: {httpGet: {path: /readyz, port: 15021}}
                """);
        assertThat(StrictModel.unknownFields(deployment)).containsExactly("Deployment.spec.template.spec.containers[0].readinesProbe");
    }

    @Test
    void ztunnelHasTheNodeItNeedsAndNoMore() throws Exception {
        List<HasMetadata> objects = Kustomize.objects(Kustomize.REPO.resolve("k8s/overlays/default"));
        DaemonSet ztunnel = single(objects, DaemonSet.class, d -> d.getMetadata().getName().equals("ztunnel"));
        PodSpec pod = ztunnel.getSpec().getTemplate().getSpec();
        assertThat(pod.getHostNetwork()).isTrue();
        assertThat(pod.getHostPID()).isTrue();
        assertThat(pod.getTolerations()).anySatisfy(t -> {
            assertThat(t.getOperator()).isEqualTo("Exists");
            assertThat(t.getEffect()).isEqualTo("NoSchedule");
        });
        Container container = pod.getContainers().getFirst();
        assertThat(container.getSecurityContext().getPrivileged()).isFalse();
        assertThat(container.getSecurityContext().getCapabilities().getAdd())
                .containsExactlyInAnyOrder("NET_ADMIN", "SYS_ADMIN", "NET_RAW", "SYS_PTRACE");
        assertThat(container.getVolumeMounts()).anySatisfy(m -> {
            assertThat(m.getMountPath()).isEqualTo("/var/run/netns");
            assertThat(m.getMountPropagation()).isEqualTo("HostToContainer");
        });
        assertThat(ztunnel.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("istio.io/dataplane-mode", "none");
        // services/ztunnel/jvm.options is the one home of its JVM flags: the DaemonSet passes all of them
        String options = env(container, "JAVA_TOOL_OPTIONS");
        for (String line : Files.readAllLines(Kustomize.REPO.resolve("services/ztunnel/jvm.options"))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                assertThat(options.split(" ")).as("JAVA_TOOL_OPTIONS").contains(line.trim());
            }
        }
        assertThat(env(container, "AMBIT_ZTUNNEL_TOKEN_FILE")).startsWith(mountPath(container, "istio-token"));
        assertThat(env(container, "AMBIT_ZTUNNEL_BUNDLE_FILE")).startsWith(mountPath(container, "istio-ca-root-cert"));
        // Istio's ztunnel on the ADS channel: the projected istio-ca token, no client certificate
        assertThat(env(container, "AMBIT_ZTUNNEL_XDS_AUTH")).isEqualTo("token");
        assertThat(pod.getVolumes()).anySatisfy(v -> {
            assertThat(v.getName()).isEqualTo("istio-token");
            assertThat(v.getProjected().getSources().getFirst().getServiceAccountToken().getAudience()).isEqualTo("istio-ca");
        });
        assertThat(container.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("AMBIT_ZTUNNEL_NODE");
            assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("spec.nodeName");
        });
    }

    @Test
    void imagesAreTheNamesBuildImageGives() throws Exception {
        // the root pom: spring-boot:build-image names an image ambit/${finalName}:${version}
        assertThat(Files.readString(Kustomize.REPO.resolve("pom.xml"))).contains("<name>ambit/${project.build.finalName}:${project.version}</name>");
        List<HasMetadata> objects = Kustomize.objects(Kustomize.REPO.resolve("k8s/overlays/default"));
        List<Container> containers = new ArrayList<>();
        of(objects, Deployment.class).forEach(d -> containers.addAll(d.getSpec().getTemplate().getSpec().getContainers()));
        of(objects, DaemonSet.class).forEach(d -> containers.addAll(d.getSpec().getTemplate().getSpec().getContainers()));
        for (Container container : containers) {
            assertThat(container.getImage()).isEqualTo("ambit/" + finalName(container.getName()) + ":" + VERSION);
        }
        // the waypoints the xds-server creates: its setting in the manifest and its default agree
        Container xds = containers.stream().filter(c -> c.getName().equals("xds-server")).findFirst().orElseThrow();
        String waypointImage = "ambit/" + finalName("waypoint") + ":" + VERSION;
        assertThat(env(xds, "AMBIT_XDS_WAYPOINTS_IMAGE")).isEqualTo(waypointImage);
        assertThat(WaypointDeploymentProperties.DEFAULT_IMAGE).isEqualTo(waypointImage);
    }

    private static String finalName(String service) throws Exception {
        Matcher m = Pattern.compile("<finalName>([^<]+)</finalName>")
                .matcher(Files.readString(Kustomize.REPO.resolve("services/" + service + "/pom.xml")));
        assertThat(m.find()).as("services/%s/pom.xml has a finalName", service).isTrue();
        return m.group(1);
    }

    private static String projectVersion() {
        try {
            Matcher m = Pattern.compile("<artifactId>ambit-parent</artifactId>\\s*<version>([^<]+)</version>")
                    .matcher(Files.readString(Kustomize.REPO.resolve("pom.xml")));
            return m.find() ? m.group(1) : "unknown";
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String env(Container container, String name) {
        return container.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst().orElseThrow().getValue();
    }

    private static String mountPath(Container container, String volume) {
        return container.getVolumeMounts().stream().filter(m -> m.getName().equals(volume)).findFirst().orElseThrow().getMountPath();
    }

    static <T extends HasMetadata> List<T> of(List<HasMetadata> objects, Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static <T extends HasMetadata> T single(List<HasMetadata> objects, Class<T> type, Predicate<T> filter) {
        List<T> matching = of(objects, type).stream().filter(filter).toList();
        assertThat(matching).as(type.getSimpleName()).hasSize(1);
        return matching.getFirst();
    }
}
