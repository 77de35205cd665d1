package io.ambit.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The objects the deployer registers for a waypoint, as the control plane will read them. */
class WaypointDeployerTest {

    @SuppressWarnings("unchecked")
    static Map<String, Object> load(String yaml) {
        return (Map<String, Object>) new org.yaml.snakeyaml.Yaml().load(yaml.replaceFirst("^---\n", ""));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Map<String, Object> m, String key) {
        return (Map<String, Object>) m.get(key);
    }

    @Test
    void theWaypointPodRunsAsTheGatewaysAccountUncapturedAndReadyOnlyWhenSaid() {
        Map<String, Object> pod = load(WaypointDeployer.podYaml("shop", "waypoint", "waypoint-0", 2,
                InetAddress.ofLiteral("10.244.2.200"), 41234, false));
        assertThat(pod).containsEntry("kind", "Pod");
        assertThat(map(pod, "metadata")).containsEntry("name", "waypoint-0").containsEntry("namespace", "shop");
        // Istio's waypoint template: ztunnel never captures a waypoint (its 15008 is the waypoint's own)
        assertThat(map(map(pod, "metadata"), "labels")).containsEntry("istio.io/dataplane-mode", "none")
                .containsEntry("gateway.networking.k8s.io/gateway-name", "waypoint");
        // istiod's template's scrape annotations (admin-ui finds the waypoint by them), with the lab's port
        assertThat(map(map(pod, "metadata"), "annotations")).containsEntry("prometheus.io/scrape", "true")
                .containsEntry("prometheus.io/port", "41234").containsEntry("prometheus.io/path", "/stats/prometheus");
        assertThat(map(pod, "spec")).containsEntry("nodeName", "node-b").containsEntry("serviceAccountName", "waypoint");
        assertThat(map(pod, "status")).containsEntry("podIP", "10.244.2.200");
        assertThat(map(pod, "status").get("conditions").toString()).contains("status=False");
        assertThat(load(WaypointDeployer.podYaml("shop", "waypoint", "waypoint-0", 2, InetAddress.ofLiteral("10.244.2.200"), 41234, true))
                .get("status").toString()).contains("status=True");
    }

    @Test
    void theWaypointServiceSelectsItsPodOnTheHbonePort() {
        Map<String, Object> service = load(WaypointDeployer.serviceYaml("shop", "waypoint", InetAddress.ofLiteral("10.96.200.10")));
        assertThat(map(service, "metadata")).containsEntry("name", "waypoint");
        assertThat(map(service, "spec")).containsEntry("clusterIP", "10.96.200.10");
        assertThat(map(map(service, "spec"), "selector")).containsEntry("gateway.networking.k8s.io/gateway-name", "waypoint");
        assertThat((List<?>) map(service, "spec").get("ports")).singleElement().asString().contains("port=15008").contains("name=mesh");
    }
}
