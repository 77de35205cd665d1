package io.ambit.admin.upstream;

/**
 * An upstream (xds-server, a ztunnel, a metrics page) did not give what was asked: unreachable
 * ({@code status} 0), or answered with an error status, whose body is kept for the operator.
 */
public final class UpstreamException extends RuntimeException {

    private final String upstream;
    private final int status;
    private final String body;

    public UpstreamException(String upstream, int status, String body, String message) {
        super(message);
        this.upstream = upstream;
        this.status = status;
        this.body = body;
    }

    public String upstream() {
        return upstream;
    }

    /** The upstream's HTTP status; 0 when it could not be reached. */
    public int status() {
        return status;
    }

    public String body() {
        return body;
    }
}
