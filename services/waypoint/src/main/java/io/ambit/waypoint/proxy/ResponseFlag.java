package io.ambit.waypoint.proxy;

/** Envoy's response flags (short form, as in the access log) for the answers the waypoint makes itself. */
public enum ResponseFlag {
    NONE("-"),
    /** No route matched the request (404). */
    NR("NR"),
    /** The cluster has no endpoint (503). */
    UH("UH"),
    /** The route's cluster is not configured (503 or the route's cluster_not_found_response_code). */
    NC("NC"),
    /** The upstream connection (tunnel) could not be made (503). */
    UF("UF"),
    /** The upstream ended the exchange before a response (503). */
    UC("UC"),
    /** The upstream request timed out (504). */
    UT("UT"),
    /** Retries ran out; the last attempt's failure is the answer. */
    URX("URX"),
    /** The cluster's circuit breaker refused the request (503). */
    UO("UO"),
    /** The fault filter delayed the request. */
    DI("DI"),
    /** The fault filter answered the request itself (abort). */
    FI("FI"),
    /** The downstream went away before the response ended. */
    DC("DC");

    private final String text;

    ResponseFlag(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }
}
