package io.ambit.ztunnel.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.Node;
import org.junit.jupiter.api.Test;

/** The node as Istio's ztunnel sends it (istio/ztunnel {@code src/xds/client.rs}, {@code node()}). */
class XdsNodeTest {

    @Test
    void sendsIstiosNodeIdAndMetadata() {
        Node node = new XdsNode("ztunnel-x7k2p", "istio-system", "10.244.1.2").toNode("worker-1", "istio-system", "east-1");
        assertThat(node.getId()).isEqualTo("ztunnel~10.244.1.2~ztunnel-x7k2p.istio-system~istio-system.svc.cluster.local");
        assertThat(node.getMetadata().getFieldsMap()).containsOnlyKeys("NAME", "NAMESPACE", "INSTANCE_IPS", "NODE_NAME", "CLUSTER_ID");
        assertThat(node.getMetadata().getFieldsOrThrow("NODE_NAME").getStringValue()).isEqualTo("worker-1");
        assertThat(node.getMetadata().getFieldsOrThrow("CLUSTER_ID").getStringValue()).isEqualTo("east-1");
        assertThat(node.getMetadata().getFieldsOrThrow("INSTANCE_IPS").getStringValue()).isEqualTo("10.244.1.2");
    }

    @Test
    void localModeDefaultsStillHaveIstiosShape() {
        Node node = XdsNode.defaults().toNode("node-b", "istio-system", "Kubernetes");
        assertThat(node.getId()).isEqualTo("ztunnel~1.1.1.1~ztunnel-node-b.istio-system~istio-system.svc.cluster.local");
        assertThat(node.getId().split("~", -1)).hasSize(4);
    }
}
