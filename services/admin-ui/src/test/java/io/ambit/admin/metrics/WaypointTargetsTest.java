package io.ambit.admin.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.ambit.admin.mesh.MeshSnapshot;
import io.ambit.admin.mesh.StoreObject;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;

/** Which pods are scraped as waypoints, where, and what a hostile annotation gets. */
class WaypointTargetsTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static StoreObject object(String json) {
        JsonNode node = JSON.readTree(json);
        return new StoreObject(node.path("kind").asString(), node.path("metadata").path("namespace").asString(""),
                node.path("metadata").path("name").asString(), "test.yaml", 1, node);
    }

    private static StoreObject gateway(String namespace, String name, String gatewayClass) {
        return object("""
                {"kind":"Gateway","metadata":{"namespace":"%s","name":"%s"},"spec":{"gatewayClassName":"%s"}}"""
                .formatted(namespace, name, gatewayClass));
    }

    private static StoreObject pod(String name, String gateway, String ip, String annotations) {
        return object("""
                {"kind":"Pod","metadata":{"namespace":"shop","name":"%s","labels":{"gateway.networking.k8s.io/gateway-name":"%s"},
                 "annotations":{%s}},"status":{"podIP":"%s"}}""".formatted(name, gateway, annotations, ip));
    }

    private static MeshSnapshot mesh(StoreObject... objects) {
        List<StoreObject> all = new ArrayList<>(List.of(gateway("shop", "waypoint", "istio-waypoint"), gateway("shop", "ingress", "istio")));
        all.addAll(List.of(objects));
        return new MeshSnapshot(Instant.EPOCH, 1, List.of(), List.of(), Map.of(), Map.of(), all,
                JsonNodeFactory.instance.arrayNode(), List.of(), List.of(), Map.of(), List.of());
    }

    @Test
    void aWaypointPodIsScrapedAtItsPodIpOnIstiosPortAndPathByDefault() {
        assertThat(WaypointTargets.discover(mesh(pod("waypoint-abc", "waypoint", "10.244.1.7", "")), ""))
                .containsExactly(new WaypointTargets.Discovered("waypoint shop/waypoint-abc", "shop/waypoint",
                        URI.create("http://10.244.1.7:15020/stats/prometheus"), null));
    }

    @Test
    void itsAnnotationsChooseThePortAndPathAndTheHostMayBeSetForTheLab() {
        var found = WaypointTargets.discover(mesh(pod("waypoint-0", "waypoint", "10.244.1.200",
                "\"prometheus.io/port\":\"41000\",\"prometheus.io/path\":\"/actuator/prometheus\"")), "127.0.0.1");
        assertThat(found).singleElement().satisfies(d -> assertThat(d.url()).isEqualTo(URI.create("http://127.0.0.1:41000/actuator/prometheus")));
        assertThat(WaypointTargets.discover(mesh(pod("waypoint-0", "waypoint", "fd00::7", "")), ""))
                .singleElement().satisfies(d -> assertThat(d.url()).isEqualTo(URI.create("http://[fd00:0:0:0:0:0:0:7]:15020/stats/prometheus")));
    }

    @Test
    void podsOfOtherGatewaysUnscheduledOrOptedOutAreNotScraped() {
        assertThat(WaypointTargets.discover(mesh(
                pod("ingress-0", "ingress", "10.244.1.8", ""), // an ingress gateway's pod carries the label too
                pod("ghost-0", "ghost", "10.244.1.9", ""), // no such Gateway
                pod("waypoint-1", "waypoint", "", ""), // no IP yet
                pod("waypoint-2", "waypoint", "10.244.1.10", "\"prometheus.io/scrape\":\"false\"")), "")).isEmpty();
    }

    @Test
    void hostileValuesAreReportedAndNeverFetched() {
        var found = WaypointTargets.discover(mesh(
                pod("a", "waypoint", "10.244.1.7", "\"prometheus.io/port\":\"99999\""),
                pod("b", "waypoint", "10.244.1.7", "\"prometheus.io/port\":\"15020/../x\""),
                pod("c", "waypoint", "evil.example.com", ""),
                pod("d", "waypoint", "10.244.1.7", "\"prometheus.io/path\":\"@evil.example.com/\""),
                pod("e", "waypoint", "10.244.1.7", "\"prometheus.io/path\":\"/stats?x=1\"")), "");
        assertThat(found).hasSize(5).allSatisfy(d -> assertThat(d.url()).as(d.name()).isNull());
        assertThat(found).extracting(WaypointTargets.Discovered::problem).containsExactly(
                "waypoint shop/a: annotation prometheus.io/port '99999' is not a port (1-65535)",
                "waypoint shop/b: annotation prometheus.io/port '15020/../x' is not a port (1-65535)",
                "waypoint shop/c: pod IP 'evil.example.com' is not an IP address",
                "waypoint shop/d: annotation prometheus.io/path is not a path",
                "waypoint shop/e: annotation prometheus.io/path is not a path");
    }
}
