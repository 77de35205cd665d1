package io.ambit.xds.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

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

    /** Collects what listeners are told: the names changed per generation. */
    static final class Changes implements XdsState.Listener {
        final List<Map<String, Set<String>>> seen = new CopyOnWriteArrayList<>();

        @Override
        public void changed(Generation generation, Map<String, Set<String>> changedNames) {
            seen.add(changedNames);
        }
    }

    @Test
    void aPodChangeProducesOnlyThatWorkload() {
        LocalConfigStore store = new LocalConfigStore();
        store.apply("setup", NAMESPACE + "---\n" + SERVICE + "---\n" + pod("echo-1", "10.244.1.5", "node-a"));
        try (XdsState state = new XdsState(store, "cluster.local", Duration.ZERO)) {
            Changes changes = new Changes();
            state.addListener(changes);

            assertThat(state.addresses()).containsOnlyKeys("Kubernetes//Pod/demo/echo-1", "demo/echo.demo.svc.cluster.local");
            assertThat(unpack(state.addresses().get("Kubernetes//Pod/demo/echo-1")).getWorkload().getServicesMap())
                    .containsKey("demo/echo.demo.svc.cluster.local");

            store.apply("more", pod("echo-2", "10.244.2.6", "node-b"));
            await().until(() -> changes.seen.size() == 1);
            assertThat(changes.seen.getFirst()).containsExactly(Map.entry(XdsState.ADDRESS_TYPE, Set.of("Kubernetes//Pod/demo/echo-2")));
            assertThat(state.addresses()).containsKey("Kubernetes//Pod/demo/echo-2");

            store.delete("more", pod("echo-2", "10.244.2.6", "node-b"));
            await().until(() -> changes.seen.size() == 2);
            assertThat(changes.seen.get(1)).containsExactly(Map.entry(XdsState.ADDRESS_TYPE, Set.of("Kubernetes//Pod/demo/echo-2")));
            assertThat(state.addresses()).doesNotContainKey("Kubernetes//Pod/demo/echo-2");
        }
    }

    /** ambit.mesh.cluster-id: the uids and cluster_id of every workload, full and pod-by-pod translation alike. */
    @Test
    void aConfiguredClusterIdNamesEveryWorkload() {
        LocalConfigStore store = new LocalConfigStore();
        store.apply("setup", NAMESPACE + "---\n" + SERVICE + "---\n" + pod("echo-1", "10.244.1.5", "node-a"));
        try (XdsState state = new XdsState(store, "cluster.local", "east-1", Duration.ZERO,
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry())) {
            assertThat(state.current().clusterId()).isEqualTo("east-1");
            assertThat(state.addresses()).containsOnlyKeys("east-1//Pod/demo/echo-1", "demo/echo.demo.svc.cluster.local");
            assertThat(unpack(state.addresses().get("east-1//Pod/demo/echo-1")).getWorkload().getClusterId()).isEqualTo("east-1");

            store.apply("more", pod("echo-2", "10.244.2.6", "node-b"));
            await().until(() -> state.addresses().containsKey("east-1//Pod/demo/echo-2"));
            assertThat(unpack(state.addresses().get("east-1//Pod/demo/echo-2")).getWorkload().getClusterId()).isEqualTo("east-1");
            assertThat(state.addresses().keySet()).noneMatch(name -> name.startsWith("Kubernetes/"));
        }
    }

    @Test
    void changesWithinTheDebounceWindowAreTranslatedAndPushedOnce() {
        LocalConfigStore store = new LocalConfigStore();
        store.apply("setup", NAMESPACE);
        try (XdsState state = new XdsState(store, "cluster.local", Duration.ofMillis(300))) {
            Changes changes = new Changes();
            state.addListener(changes);
            long before = state.current().number();
            for (int i = 1; i <= 5; i++) {
                store.apply("burst", pod("echo-" + i, "10.244.1." + i, "node-a"));
            }
            await().until(() -> state.addresses().size() == 5);
            assertThat(changes.seen).hasSize(1);
            assertThat(changes.seen.getFirst().get(XdsState.ADDRESS_TYPE)).hasSize(5);
            assertThat(state.current().number()).isEqualTo(before + 1);
        }
    }

    @Test
    void podByPodTranslationAgreesWithTranslatingEverything() {
        LocalConfigStore store = new LocalConfigStore();
        store.apply("setup", NAMESPACE + "---\n" + SERVICE + "---\n" + pod("echo-1", "10.244.1.5", "node-a")
                + "---\n" + pod("echo-2", "10.244.1.6", "node-a") + """
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: echo-only, namespace: demo}
                spec: {selector: {matchLabels: {app: echo}}}
                """);
        try (XdsState state = new XdsState(store, "cluster.local", Duration.ZERO)) {
            store.apply("add", pod("echo-3", "10.244.2.7", "node-b"));
            store.apply("move", pod("echo-1", "10.244.1.5", "node-b"));
            store.delete("remove", pod("echo-2", "10.244.1.6", "node-a"));
            store.apply("no-address", pod("echo-4", "", "node-a").replace("podIP: ,", ""));
            long storeVersion = store.snapshot().version();
            await().until(() -> state.current().storeVersion() == storeVersion);
            try (XdsState fresh = new XdsState(store, "cluster.local", Duration.ZERO)) {
                assertThat(versions(state.addresses())).isEqualTo(versions(fresh.addresses()));
                assertThat(versions(state.authorizations())).isEqualTo(versions(fresh.authorizations()));
                assertThat(state.current().findings()).containsExactlyInAnyOrderElementsOf(fresh.current().findings());
            }
            assertThat(unpack(state.addresses().get("Kubernetes//Pod/demo/echo-3")).getWorkload().getAuthorizationPoliciesList())
                    .containsExactly("demo/echo-only");
        }
    }

    private static Map<String, String> versions(Map<String, XdsResource> resources) {
        Map<String, String> versions = new java.util.TreeMap<>();
        resources.forEach((name, resource) -> versions.put(name, resource.version()));
        return versions;
    }

    @Test
    void versionsComeFromContent() {
        LocalConfigStore store = new LocalConfigStore();
        store.apply("setup", NAMESPACE + "---\n" + pod("echo-1", "10.244.1.5", "node-a"));
        try (XdsState state = new XdsState(store, "cluster.local", Duration.ZERO)) {
            String before = state.addresses().get("Kubernetes//Pod/demo/echo-1").version();
            Changes changes = new Changes();
            state.addListener(changes);

            // the same content again: same version, nothing to send
            store.apply("again", pod("echo-1", "10.244.1.5", "node-a"));
            long storeVersion = store.snapshot().version();
            await().until(() -> state.current().storeVersion() == storeVersion);
            assertThat(changes.seen).isEmpty();
            try (XdsState restarted = new XdsState(store, "cluster.local", Duration.ZERO)) {
                assertThat(restarted.addresses().get("Kubernetes//Pod/demo/echo-1").version()).isEqualTo(before);
            }

            store.apply("moved", pod("echo-1", "10.244.1.5", "node-b"));
            await().until(() -> changes.seen.size() == 1);
            assertThat(state.addresses().get("Kubernetes//Pod/demo/echo-1").version()).isNotEqualTo(before);
        }
    }

    @Test
    void leavingTheMeshChangesTheTunnelProtocolOnly() {
        LocalConfigStore store = new LocalConfigStore();
        store.apply("setup", NAMESPACE + "---\n" + pod("echo-1", "10.244.1.5", "node-a"));
        try (XdsState state = new XdsState(store, "cluster.local", Duration.ZERO)) {
            store.apply("label", "apiVersion: v1\nkind: Namespace\nmetadata: {name: demo}\n");
            await().until(() -> unpack(state.addresses().get("Kubernetes//Pod/demo/echo-1")).getWorkload().getTunnelProtocolValue() == 0);
        }
    }

    private static Address unpack(XdsResource resource) {
        try {
            return resource.body().unpack(Address.class);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }
}
