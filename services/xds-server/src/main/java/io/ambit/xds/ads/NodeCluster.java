package io.ambit.xds.ads;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.grpc.Status;

/**
 * The {@code CLUSTER_ID} a node sends in its metadata (Istio's ztunnel and proxies do, default
 * {@code Kubernetes}). This control plane serves one cluster and tags every workload with its id
 * ({@code Workload.cluster_id}); a node that says it belongs to another cluster would be served
 * workloads, services and policies that are not its cluster's, so it is refused with the reason
 * instead. A node that sends no {@code CLUSTER_ID} (older Ambit clients) is served.
 */
final class NodeCluster {

    static final String CLUSTER_ID = "CLUSTER_ID";
    /** Istio's cluster ids are Kubernetes names: well below this. */
    private static final int MAX_LENGTH = 253;

    private NodeCluster() {
    }

    /** @return null when the node may be served, else the status to close its stream with */
    static Status check(Struct metadata, String served) {
        Value value = metadata.getFieldsMap().get(CLUSTER_ID);
        if (value == null) {
            return null;
        }
        if (value.getKindCase() != Value.KindCase.STRING_VALUE) {
            return Status.INVALID_ARGUMENT.withDescription("node metadata " + CLUSTER_ID + " must be a string");
        }
        String cluster = value.getStringValue();
        if (cluster.length() > MAX_LENGTH) {
            return Status.INVALID_ARGUMENT.withDescription("node metadata " + CLUSTER_ID + " is longer than " + MAX_LENGTH + " characters");
        }
        if (!cluster.equals(served)) {
            return Status.FAILED_PRECONDITION.withDescription("node is in cluster " + quote(cluster)
                    + "; this control plane serves cluster " + quote(served) + " only (set the node's CLUSTER_ID, or "
                    + "point it at its own cluster's control plane)");
        }
        return null;
    }

    private static String quote(String value) {
        String printable = value.codePoints().allMatch(c -> c >= 0x20 && c < 0x7f) ? value : "(non-printable)";
        return "'" + (printable.length() > 64 ? printable.substring(0, 64) + "…" : printable) + "'";
    }
}
