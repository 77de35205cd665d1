package io.ambit.proxyless;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;

import org.junit.jupiter.api.Test;

class MeshPodTest {

    static String export(String podJson) {
        return "{\"version\":3,\"store\":\"local\",\"writable\":true,\"objects\":[" + podJson + "]}";
    }

    static final String FRONTEND = """
            {"source":"lab.yaml","line":1,"object":{"apiVersion":"v1","kind":"Pod",
              "metadata":{"name":"frontend","namespace":"demo"},
              "spec":{"nodeName":"node-a","serviceAccountName":"frontend","containers":[]},
              "status":{"podIP":"10.244.1.10"}}}""";

    @Test
    void findsThePodItsNodeAndIdentityAndNamesItsNodeIdAsIstio() throws IOException {
        MeshPod pod = MeshPod.find(export(FRONTEND), "demo", "frontend");
        assertThat(pod.node()).isEqualTo("node-a");
        assertThat(pod.ip().getHostAddress()).isEqualTo("10.244.1.10");
        assertThat(pod.identity("cluster.local").spiffeId().toString()).isEqualTo("spiffe://cluster.local/ns/demo/sa/frontend");
        assertThat(pod.nodeId()).isEqualTo("sidecar~10.244.1.10~frontend.demo~demo.svc.cluster.local");
    }

    @Test
    void aPodWithoutServiceAccountRunsAsDefault() throws IOException {
        MeshPod pod = MeshPod.find(export(FRONTEND.replace("\"serviceAccountName\":\"frontend\",", "")), "demo", "frontend");
        assertThat(pod.serviceAccount()).isEqualTo("default");
    }

    @Test
    void aMissingPodOrOneWithoutAddressIsNamed() {
        assertThatThrownBy(() -> MeshPod.find(export(FRONTEND), "demo", "nobody")).hasMessageContaining("no pod demo/nobody");
        assertThatThrownBy(() -> MeshPod.find(export(FRONTEND), "other", "frontend")).hasMessageContaining("no pod other/frontend");
        assertThatThrownBy(() -> MeshPod.find(export(FRONTEND.replace("10.244.1.10", "")), "demo", "frontend"))
                .hasMessageContaining("has no IP or node yet");
        assertThatThrownBy(() -> MeshPod.find(export(FRONTEND.replace("10.244.1.10", "frontend.example.com")), "demo", "frontend"))
                .hasMessageContaining("no usable IP");
    }

    @Test
    void hostileOrBrokenAnswersAreErrorsNotCrashes() {
        assertThatThrownBy(() -> MeshPod.find("{\"objects\": [", "demo", "frontend")).isInstanceOf(IOException.class)
                .hasMessageContaining("not JSON");
        assertThatThrownBy(() -> MeshPod.find("[1,2,3]", "demo", "frontend")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> MeshPod.find(export("{\"object\": 7}"), "demo", "frontend")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> MeshPod.find("[".repeat(100_000), "demo", "frontend")).isInstanceOf(IOException.class);
    }
}
