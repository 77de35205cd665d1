package io.ambit.xdsclient;

/**
 * The type URLs the mesh's clients subscribe to, shared by the server and every client: Istio's
 * ztunnel types, and the standard Envoy v3 types a waypoint reads.
 */
public final class XdsTypes {

    public static final String ADDRESS = "type.googleapis.com/istio.workload.Address";
    public static final String AUTHORIZATION = "type.googleapis.com/istio.security.Authorization";
    public static final String LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener";
    public static final String ROUTE = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
    public static final String CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
    public static final String ENDPOINT = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
    /** What a waypoint subscribes to, in Envoy's order (clusters before their endpoints, listeners before routes). */
    public static final java.util.List<String> ENVOY = java.util.List.of(CLUSTER, ENDPOINT, LISTENER, ROUTE);

    private XdsTypes() {
    }

    /** {@code address} / {@code authorization}, and Istio's {@code lds}/{@code rds}/{@code cds}/{@code eds}, for logs, metrics and debug output. */
    public static String shortName(String typeUrl) {
        return switch (typeUrl) {
            case ADDRESS -> "address";
            case AUTHORIZATION -> "authorization";
            case LISTENER -> "lds";
            case ROUTE -> "rds";
            case CLUSTER -> "cds";
            case ENDPOINT -> "eds";
            default -> typeUrl;
        };
    }
}
