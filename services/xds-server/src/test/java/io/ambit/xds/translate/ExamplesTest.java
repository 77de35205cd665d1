package io.ambit.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import io.ambit.xds.store.KubeYamlParser;
import io.ambit.xds.store.LocalConfigStore;
import io.ambit.xds.store.ResourceKey;
import org.junit.jupiter.api.Test;

/** The README's examples read in the strict local store and translate to what they promise. */
class ExamplesTest {

    static MeshInputs load(String file) throws Exception {
        Map<ResourceKey, KubeYamlParser.Parsed> objects = new LinkedHashMap<>();
        for (KubeYamlParser.Parsed parsed : KubeYamlParser.parse(file, Files.readString(Path.of("../../examples", file)))) {
            objects.put(parsed.key(), parsed);
        }
        return MeshInputs.from(new LocalConfigStore.Snapshot(1, objects), "cluster.local");
    }

    @Test
    void theWaypointExampleGivesItsWaypointASplitRouteAndAnRbacFilter() throws Exception {
        WaypointL7Translator.Result result = WaypointL7Translator.translate(load("waypoint-l7.yaml"));
        WaypointConfig waypoint = result.waypoints().get("reviews/waypoint");
        var route = waypoint.routes().stream().filter(r -> r.getName().equals("outbound|9080||reviews.reviews.svc.cluster.local"))
                .findFirst().orElseThrow().getVirtualHosts(0).getRoutes(0);
        assertThat(route.getRoute().getWeightedClusters().getClustersList()).extracting(c -> c.getWeight().getValue())
                .containsExactly(90, 10);
        assertThat(waypoint.endpoints()).filteredOn(e -> e.getClusterName().contains("reviews-v2"))
                .singleElement().satisfies(e -> assertThat(e.getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress()
                        .getSocketAddress().getAddress()).isEqualTo("10.244.2.30"));
        assertThat(result.routeStatuses()).singleElement().satisfies(s -> {
            assertThat(s.accepted()).isTrue();
            assertThat(s.resolvedRefs()).isTrue();
        });
        assertThat(result.policyStatuses()).singleElement().satisfies(s -> assertThat(s.message()).isEqualTo("bound to reviews/waypoint"));
    }

    @Test
    void theShopExampleStillReads() throws Exception {
        assertThat(load("shop.yaml").services()).hasSize(1);
    }
}
