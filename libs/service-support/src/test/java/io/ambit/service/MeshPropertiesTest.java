package io.ambit.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/** {@code ambit.mesh.cluster-id}: Istio's {@code CLUSTER_ID} sets it, a bad value is refused with the reason. */
class MeshPropertiesTest {

    @Test
    void istiosClusterIdVariableSetsItAndKubernetesIsTheDefault() {
        assertThat(bind(Map.of()).clusterId()).isEqualTo("Kubernetes");
        assertThat(bind(Map.of("CLUSTER_ID", "east-1")).clusterId()).isEqualTo("east-1");
        // the property itself wins over the variable
        assertThat(bind(Map.of("CLUSTER_ID", "east-1", "ambit.mesh.cluster-id", "west-2")).clusterId()).isEqualTo("west-2");
    }

    @Test
    void malformedOversizedOrHostileIdsAreRefused() {
        for (String bad : new String[] {"", " ", "a/b", "-east", "east-", "east 1", "x".repeat(64), "east\n1", "ö"}) {
            assertThatThrownBy(() -> new MeshProperties(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("ambit.mesh.cluster-id (CLUSTER_ID) must be");
        }
        assertThatThrownBy(() -> new MeshProperties(null)).hasMessageContaining("got nothing");
        assertThat(new MeshProperties("x".repeat(63)).clusterId()).hasSize(63);
        assertThat(new MeshProperties("Kubernetes_2.east-1").clusterId()).isEqualTo("Kubernetes_2.east-1");
    }

    private static MeshProperties bind(Map<String, Object> properties) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
        new MeshServiceDefaults().postProcessEnvironment(environment, new SpringApplication());
        return Binder.get(environment).bind("ambit.mesh", MeshProperties.class).orElseGet(MeshProperties::defaults);
    }
}
