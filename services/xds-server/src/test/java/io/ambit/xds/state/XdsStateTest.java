package io.ambit.xds.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import io.ambit.proto.workload.Address;
import io.ambit.xds.store.LocalConfigStore;
import org.junit.jupiter.api.Test;

/** From store changes to the resources and diffs a delta-ADS push would send. */
class XdsStateTest {

    static final String NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata: {name: demo, labels: {istio.io/dataplane-mode: ambient}}\n";
    static final String SERVICE = """
            apiVersion: v1
            kind: Service
            metadata: {name: echo, namespace: demo}
            spec: {selector: {app: echo}, clusterIP: 10.96.0.12, ports: [{port: 80, targetPort: 8080}]}
            """;

    static String pod(String name, String ip, String node) {
        return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + ", namespace: demo, labels: {app: echo}}\n"
                + "spec: {nodeName: " + node + ", containers: [{name: c, image: i}]}\n"
                + "status: {podIP: " + ip + ", conditions: [{type: Ready, status: \"True\"}]}\n";
    }

    @Test
    void aPodChangeProducesOnlyThatWorkload() {
        LocalConfigStore store = new LocalConfigStore();
        store.apply("setup", NAMESPACE + "---\n" + SERVICE + "---\n" + pod("echo-1", "10.244.1.5", "node-a"));
        XdsState state = new XdsState(store, "cluster.local");
        List<ResourceDiff> diffs = new ArrayList<>();
        state.addListener((type, diff) -> diffs.add(diff));

        assertThat(state.addresses()).containsOnlyKeys("Kubernetes//Pod/demo/echo-1", "demo/echo.demo.svc.cluster.local");
        assertThat(unpack(state.addresses().get("Kubernetes//Pod/demo/echo-1")).getWorkload().getServicesMap())
                .containsKey("demo/echo.demo.svc.cluster.local");

        store.apply("more", pod("echo-2", "10.244.2.6", "node-b"));
        assertThat(diffs).hasSize(1);
        assertThat(diffs.getFirst().changed()).extracting(XdsResource::name).containsExactly("Kubernetes//Pod/demo/echo-2");
        assertThat(diffs.getFirst().removed()).isEmpty();

        store.delete("more", pod("echo-2", "10.244.2.6", "node-b"));
        assertThat(diffs).hasSize(2);
        assertThat(diffs.get(1).changed()).isEmpty();
        assertThat(diffs.get(1).removed()).containsExactly("Kubernetes//Pod/demo/echo-2");
    }

    @Test
    void versionsComeFromContent() {
        LocalConfigStore store = new LocalConfigStore();
        store.apply("setup", NAMESPACE + "---\n" + pod("echo-1", "10.244.1.5", "node-a"));
        XdsState state = new XdsState(store, "cluster.local");
        String before = state.addresses().get("Kubernetes//Pod/demo/echo-1").version();

        // the same content again: same version, nothing to send
        List<ResourceDiff> diffs = new ArrayList<>();
        state.addListener((type, diff) -> diffs.add(diff));
        store.apply("again", pod("echo-1", "10.244.1.5", "node-a"));
        assertThat(diffs).isEmpty();
        assertThat(new XdsState(store, "cluster.local").addresses().get("Kubernetes//Pod/demo/echo-1").version()).isEqualTo(before);

        store.apply("moved", pod("echo-1", "10.244.1.5", "node-b"));
        assertThat(state.addresses().get("Kubernetes//Pod/demo/echo-1").version()).isNotEqualTo(before);
        assertThat(diffs).hasSize(1);
    }

    @Test
    void leavingTheMeshChangesTheTunnelProtocolOnly() {
        LocalConfigStore store = new LocalConfigStore();
        store.apply("setup", NAMESPACE + "---\n" + pod("echo-1", "10.244.1.5", "node-a"));
        XdsState state = new XdsState(store, "cluster.local");
        store.apply("label", "apiVersion: v1\nkind: Namespace\nmetadata: {name: demo}\n");
        Address workload = unpack(state.addresses().get("Kubernetes//Pod/demo/echo-1"));
        assertThat(workload.getWorkload().getTunnelProtocolValue()).isZero();
    }

    private static Address unpack(XdsResource resource) {
        try {
            return resource.body().unpack(Address.class);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }
}
