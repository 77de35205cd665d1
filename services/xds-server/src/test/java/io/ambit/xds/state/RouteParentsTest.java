package io.ambit.xds.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.ambit.xds.store.KubeYamlParser;
import io.ambit.xds.store.LocalConfigStore;
import io.ambit.xds.store.ResourceKey;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import org.junit.jupiter.api.Test;

/** Which waypoints a route-only change can alter: the route's parents before and after, nothing else. */
class RouteParentsTest {

    static final ResourceKey ROUTE = new ResourceKey("HTTPRoute", "demo", "reviews");

    static LocalConfigStore.Snapshot snapshot(long version, String yaml) {
        Map<ResourceKey, KubeYamlParser.Parsed> objects = new HashMap<>();
        if (yaml != null) {
            KubeYamlParser.parse("t.yaml", yaml).forEach(p -> objects.put(p.key(), p));
        }
        return new LocalConfigStore.Snapshot(version, objects);
    }

    static String route(String parents) {
        return """
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: reviews, namespace: demo}
                spec:
                  parentRefs: %s
                  rules: [{backendRefs: [{name: reviews, port: 9080}]}]
                """.formatted(parents);
    }

    static Service service(String namespace, String name) {
        return new ServiceBuilder().withMetadata(new ObjectMeta()).editMetadata().withNamespace(namespace).withName(name).endMetadata().build();
    }

    @Test
    void namesTheParentsOfTheOldAndTheNewForm() {
        var before = snapshot(1, route("[{group: \"\", kind: Service, name: reviews}]"));
        var after = snapshot(2, route("[{group: \"\", kind: Service, name: ratings, namespace: other}, {name: waypoint}]"));
        RouteParents parents = RouteParents.of(Set.of(ROUTE), before, after).orElseThrow();
        assertThat(parents.services()).containsExactlyInAnyOrder("demo/reviews", "other/ratings");
        assertThat(parents.gateways()).containsExactly("demo/waypoint");
        assertThat(parents.touches("demo/waypoint", List.of())).isTrue();
        assertThat(parents.touches("other/waypoint", List.of(service("other", "ratings")))).isTrue();
        assertThat(parents.touches("other/waypoint", List.of(service("other", "reviews")))).isFalse();
        assertThat(parents.touches("shop/waypoint", List.of())).isFalse();
    }

    @Test
    void aCreatedOrDeletedRouteNamesTheParentsOfTheFormThatExists() {
        var empty = snapshot(1, null);
        var with = snapshot(2, route("[{group: \"\", kind: Service, name: reviews}]"));
        assertThat(RouteParents.of(Set.of(ROUTE), empty, with).orElseThrow().services()).containsExactly("demo/reviews");
        assertThat(RouteParents.of(Set.of(ROUTE), with, empty).orElseThrow().services()).containsExactly("demo/reviews");
        assertThat(RouteParents.of(Set.of(ROUTE), empty, empty).orElseThrow().services()).isEmpty();
    }

    @Test
    void anythingItCannotReadMeansEveryWaypoint() {
        var with = snapshot(1, route("[{group: \"\", kind: Service, name: reviews}]"));
        // another kind in the window
        assertThat(RouteParents.of(Set.of(ROUTE, new ResourceKey("ReferenceGrant", "demo", "g")), with, with)).isEmpty();
        // a route whose spec does not bind (only a Kubernetes-mode object can be like this)
        GenericKubernetesResource broken = new GenericKubernetesResource();
        broken.setMetadata(new ObjectMeta());
        broken.getMetadata().setNamespace("demo");
        broken.getMetadata().setName("reviews");
        broken.setAdditionalProperty("spec", Map.of("parentRefs", "not a list"));
        var bad = new LocalConfigStore.Snapshot(2, Map.of(ROUTE, new KubeYamlParser.Parsed(ROUTE, broken, "kubernetes", 0)));
        assertThat(RouteParents.of(Set.of(ROUTE), with, bad)).isEmpty();
    }
}
