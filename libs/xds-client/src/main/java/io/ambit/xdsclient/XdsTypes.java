package io.ambit.xdsclient;

/** The type URLs Istio's ztunnel subscribes to, shared by the server and every client. */
public final class XdsTypes {

    public static final String ADDRESS = "type.googleapis.com/istio.workload.Address";
    public static final String AUTHORIZATION = "type.googleapis.com/istio.security.Authorization";

    private XdsTypes() {
    }

    /** {@code address} / {@code authorization} for logs and debug output. */
    public static String shortName(String typeUrl) {
        return switch (typeUrl) {
            case ADDRESS -> "address";
            case AUTHORIZATION -> "authorization";
            default -> typeUrl;
        };
    }
}
