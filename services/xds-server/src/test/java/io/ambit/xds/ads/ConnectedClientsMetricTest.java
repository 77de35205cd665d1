package io.ambit.xds.ads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.ambit.xds.state.XdsState;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * istiod's {@code pilot_xds{version}}: clients counted by the {@code ISTIO_VERSION} of their node
 * metadata (empty when they send none) from their first request until their stream ends.
 */
class ConnectedClientsMetricTest {

    final AdsTestBench bench = new AdsTestBench(DeltaAdsTest.MESH);

    @AfterEach
    void close() throws Exception {
        bench.close();
    }

    @Test
    void countsClientsByTheIstioVersionTheyReport() throws Exception {
        AdsTestBench.RawStream istio = bench.raw();
        istio.send(request("ztunnel~10.244.1.2~ztunnel-a.istio-system~istio-system.svc.cluster.local", "1.28.0"));
        istio.next();
        AdsTestBench.RawStream other = bench.raw();
        other.send(request("ztunnel~10.244.1.3~ztunnel-b.istio-system~istio-system.svc.cluster.local", "1.28.0"));
        other.next();
        AdsTestBench.RawStream unversioned = bench.raw();
        unversioned.send(request("ztunnel~10.244.1.4~ztunnel-c.istio-system~istio-system.svc.cluster.local", null));
        unversioned.next();

        assertThat(clients("1.28.0")).isEqualTo(2);
        assertThat(clients("")).isEqualTo(1);

        istio.requests.onCompleted();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(clients("1.28.0")).isEqualTo(1));
        assertThat(clients("")).isEqualTo(1);
    }

    @Test
    void aStreamRefusedBeforeItsNodeIsNotCounted() throws Exception {
        AdsTestBench.RawStream stream = bench.raw();
        // an unknown type: refused before the node it names is taken
        stream.send(request("ztunnel~10.244.1.2~ztunnel-a.istio-system~istio-system.svc.cluster.local", "1.28.0").toBuilder()
                .setTypeUrl("type.googleapis.com/unknown.Type").build());
        await().atMost(Duration.ofSeconds(10)).until(() -> stream.closedWith != null);
        assertThat(stream.closedWith.getCode()).isEqualTo(io.grpc.Status.Code.INVALID_ARGUMENT);
        assertThat(clients("1.28.0")).isZero();
    }

    private double clients(String version) {
        var gauge = bench.meters.find("pilot_xds").tag("version", version).gauge();
        return gauge == null ? 0 : gauge.value();
    }

    private static DeltaDiscoveryRequest request(String nodeId, String version) {
        Struct.Builder metadata = Struct.newBuilder()
                .putFields("CLUSTER_ID", Value.newBuilder().setStringValue("Kubernetes").build());
        if (version != null) {
            metadata.putFields("ISTIO_VERSION", Value.newBuilder().setStringValue(version).build());
        }
        return DeltaDiscoveryRequest.newBuilder().setTypeUrl(XdsState.ADDRESS_TYPE)
                .setNode(Node.newBuilder().setId(nodeId).setMetadata(metadata)).build();
    }
}
