package io.ambit.xds.ads;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

/** The {@code CLUSTER_ID} a node sends, against the cluster this control plane serves ({@code ambit.mesh.cluster-id}). */
class NodeClusterTest {

    @Test
    void aNodeOfTheConfiguredClusterIsServedAnotherIsTurnedAwayWithTheReason() {
        assertThat(NodeCluster.check(metadata(Value.newBuilder().setStringValue("east-1").build()), "east-1")).isNull();
        assertThat(NodeCluster.check(Struct.getDefaultInstance(), "east-1")).isNull();

        Status foreign = NodeCluster.check(metadata(Value.newBuilder().setStringValue("Kubernetes").build()), "east-1");
        assertThat(foreign.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(foreign.getDescription()).contains("'Kubernetes'", "serves cluster 'east-1'");
    }

    @Test
    void hostileValuesAreRefusedNotEchoed() {
        assertThat(NodeCluster.check(metadata(Value.newBuilder().setNumberValue(1).build()), "east-1").getCode())
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(NodeCluster.check(metadata(Value.newBuilder().setStringValue("x".repeat(10_000)).build()), "east-1").getDescription())
                .contains("longer than");
        assertThat(NodeCluster.check(metadata(Value.newBuilder().setStringValue("east-1\u0000\n").build()), "east-1").getDescription())
                .contains("(non-printable)").doesNotContain("\u0000");
    }

    private static Struct metadata(Value clusterId) {
        return Struct.newBuilder().putFields("CLUSTER_ID", clusterId).build();
    }
}
