package io.ambit.waypoint.tracing;

/**
 * Who the waypoint is, for its spans: Envoy's {@code node_id} and the tags Istio adds to every span
 * of a gateway ({@code istio.canonical_service} = the Gateway's name, {@code istio.canonical_revision}
 * {@code latest}, {@code istio.mesh_id} and {@code istio.cluster_id} {@code unknown} when not known).
 */
public record WaypointTags(String nodeId, String canonicalService, String canonicalRevision, String namespace, String meshId,
                           String clusterId) {

    public WaypointTags {
        canonicalRevision = orElse(canonicalRevision, "latest");
        meshId = orElse(meshId, "unknown");
        clusterId = orElse(clusterId, "unknown");
        namespace = orElse(namespace, "default");
        canonicalService = orElse(canonicalService, "unknown");
        nodeId = orElse(nodeId, "unknown");
    }

    private static String orElse(String value, String otherwise) {
        return value == null || value.isBlank() ? otherwise : value;
    }
}
