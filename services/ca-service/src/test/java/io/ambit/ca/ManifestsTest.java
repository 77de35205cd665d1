package io.ambit.ca;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import io.ambit.testkit.KubernetesManifests;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import org.junit.jupiter.api.Test;

/**
 * The CA's manifests in k8s/base parse as Kubernetes objects and say what the code needs: the
 * ports the service listens on, the profile, and the RBAC verbs the Kubernetes mode uses.
 */
class ManifestsTest {

    static final Path BASE = Path.of("../../k8s/base/ca-service");

    static List<HasMetadata> load(String file) throws Exception {
        return KubernetesManifests.load(BASE.resolve(file));
    }

    @Test
    void deploymentRunsTheKubernetesProfileOnTheCaPorts() throws Exception {
        List<HasMetadata> objects = load("deployment.yaml");
        Deployment deployment = (Deployment) objects.stream().filter(Deployment.class::isInstance).findFirst().orElseThrow();
        var container = deployment.getSpec().getTemplate().getSpec().getContainers().getFirst();
        assertThat(container.getArgs()).contains("--spring.profiles.active=kubernetes");
        assertThat(container.getPorts()).extracting(p -> p.getContainerPort()).containsExactlyInAnyOrder(15012, 15014);
        assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/readiness");
        Service service = (Service) objects.stream().filter(Service.class::isInstance).findFirst().orElseThrow();
        assertThat(service.getSpec().getPorts()).extracting(p -> p.getPort()).containsExactlyInAnyOrder(15012, 15014);
    }

    @Test
    void rbacGrantsWhatKubernetesModeCalls() throws Exception {
        ClusterRole role = (ClusterRole) load("rbac.yaml").stream().filter(ClusterRole.class::isInstance).findFirst().orElseThrow();
        assertThat(role.getRules()).anySatisfy(rule -> {
            assertThat(rule.getResources()).contains("tokenreviews");
            assertThat(rule.getVerbs()).contains("create");
        });
        assertThat(role.getRules()).anySatisfy(rule -> {
            assertThat(rule.getResources()).contains("pods", "namespaces");
            assertThat(rule.getVerbs()).contains("list", "watch");
        });
        assertThat(role.getRules()).anySatisfy(rule -> {
            assertThat(rule.getResources()).contains("configmaps");
            assertThat(rule.getVerbs()).contains("create", "update");
        });
    }
}
