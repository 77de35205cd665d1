package io.ambit.xdsclient;

/** The type URLs Istio's ztunnel subscribes to, shared by the server and every client. */
public final class XdsTypes {

    public static final String ADDRESS = "type.googleapis.com/istio.workload.Address";
    public static final String AUTHORIZATION = "type.googleapis.com/istio.security.Authorization";

    private XdsTypes() {
    }

    /** {@code address} / {@code authorization}, and Istio's {@code lds}/{@code rds}/{@code cds}/{@code eds}, for logs, metrics and debug output. */
    public static String shortName(String typeUrl) {
        return switch (typeUrl) {
            case ADDRESS -> "address";
            case AUTHORIZATION -> "authorization";
            case "type.googleapis.com/envoy.config.listener.v3.Listener" -> "lds";
            case "type.googleapis.com/envoy.config.route.v3.RouteConfiguration" -> "rds";
            case "type.googleapis.com/envoy.config.cluster.v3.Cluster" -> "cds";
            case "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment" -> "eds";
            default -> typeUrl;
        };
    }
}
