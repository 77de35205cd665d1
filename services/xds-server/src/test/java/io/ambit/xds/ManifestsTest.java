package io.ambit.xds;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.ambit.testkit.KubernetesManifests;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import org.junit.jupiter.api.Test;

/**
 * The xDS server's manifests in k8s/base parse as Kubernetes objects and agree with the code: its
 * ports, the kubernetes profile, the files the profile reads its identity from, and RBAC for every
 * kind the informers watch and every status the writer updates.
 */
class ManifestsTest {

    static final Path BASE = Path.of("../../k8s/base/xds-server");

    static List<HasMetadata> load(String file) throws Exception {
        return KubernetesManifests.load(BASE.resolve(file));
    }

    @Test
    void deploymentRunsTheKubernetesProfileWithItsIdentityFiles() throws Exception {
        List<HasMetadata> objects = load("deployment.yaml");
        Deployment deployment = (Deployment) objects.stream().filter(Deployment.class::isInstance).findFirst().orElseThrow();
        var container = deployment.getSpec().getTemplate().getSpec().getContainers().getFirst();
        assertThat(container.getArgs()).contains("--spring.profiles.active=kubernetes");
        assertThat(container.getPorts()).extracting(p -> p.getContainerPort()).containsExactly(15010, 15011);
        String profile = Files.readString(Path.of("src/main/resources/application-kubernetes.yaml"));
        for (var mount : container.getVolumeMounts()) {
            if (!mount.getName().equals("tmp")) {
                assertThat(profile).contains(mount.getMountPath() + "/");
            }
        }
        var token = deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals("istio-token")).findFirst().orElseThrow();
        assertThat(token.getProjected().getSources().getFirst().getServiceAccountToken().getAudience()).isEqualTo("istio-ca");
        Service service = (Service) objects.stream().filter(Service.class::isInstance).findFirst().orElseThrow();
        assertThat(service.getSpec().getPorts()).extracting(p -> p.getPort()).containsExactly(15010, 15011);
    }

    @Test
    void rbacCoversEveryWatchedKindAndEveryStatusWritten() throws Exception {
        ClusterRole role = (ClusterRole) load("rbac.yaml").stream().filter(ClusterRole.class::isInstance).findFirst().orElseThrow();
        for (String resource : List.of("namespaces", "pods", "services", "endpointslices")) {
            assertThat(verbs(role, resource)).as(resource).contains("list", "watch");
        }
        for (var crd : io.ambit.xds.store.KubernetesConfigStore.CRDS) {
            assertThat(verbs(role, crd.getPlural())).as(crd.getPlural()).contains("list", "watch");
        }
        for (String status : List.of("gateways/status", "authorizationpolicies/status", "peerauthentications/status",
                "serviceentries/status", "workloadentries/status")) {
            assertThat(verbs(role, status)).as(status).contains("update");
        }
        assertThat(verbs(role, "pods")).doesNotContain("update", "patch", "create", "delete");
        assertThat(verbs(role, "tokenreviews")).as("bearer tokens on the ADS port").containsExactly("create");
        // the waypoint controller's objects
        for (String resource : List.of("serviceaccounts", "services", "deployments")) {
            assertThat(verbs(role, resource)).as(resource).contains("list", "watch", "get", "create", "update", "delete");
        }
    }

    private static List<String> verbs(ClusterRole role, String resource) {
        return role.getRules().stream().filter(r -> r.getResources().contains(resource))
                .map(PolicyRule::getVerbs).flatMap(List::stream).toList();
    }
}
