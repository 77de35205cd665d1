package io.ambit.ztunnel.telemetry;

/**
 * The {@code response_flags} values ztunnel reports (istio/ztunnel {@code src/proxy/metrics.rs},
 * {@code ResponseFlags}), plus the Envoy flags Ambit also uses where ztunnel has no value of its own.
 */
public final class ResponseFlags {

    /** A normal connection. */
    public static final String NONE = ConnectionTelemetry.NO_FLAGS;
    /** Refused by authorization policy. */
    public static final String DENY = "DENY";
    /** The upstream (application, tunnel peer or passthrough destination) could not be connected. */
    public static final String CONNECT = "CONNECT";
    /** The TLS handshake of the HBONE connection failed. */
    public static final String TLS_FAILURE = "TLS_FAILURE";
    /** The HTTP/2 handshake in the HBONE connection failed (not HTTP/2, no settings, a broken stream). */
    public static final String H2_HANDSHAKE_FAILURE = "H2_HANDSHAKE_FAILURE";
    /** The workload's certificate could not be obtained, or the peer's identity is not the expected one. */
    public static final String IDENTITY_ERROR = "IDENTITY_ERROR";
    /** Envoy's "no healthy upstream": no endpoint to send to (ztunnel reports CONNECT; kept for the access log's detail). */
    public static final String NO_HEALTHY_UPSTREAM = "UH";
    /** Envoy's downstream protocol error: a malformed or misdirected request. */
    public static final String DOWNSTREAM_PROTOCOL_ERROR = "DPE";
    /** Envoy's downstream connection termination: the client left before the upstream was up. */
    public static final String DOWNSTREAM_CLOSED = "DC";

    private ResponseFlags() {
    }
}
