package io.ambit.echo.client;

/**
 * One request's outcome: what to print (the response body, the echoed bytes, the banner and the
 * echo, or the gRPC fields) and, when it failed, why.
 *
 * @param output printed as it is; whatever arrived before a failure
 * @param error null when the request succeeded
 */
record Exchange(byte[] output, String error) {

    static Exchange ok(byte[] output) {
        return new Exchange(output, null);
    }

    static Exchange failed(byte[] partial, String error) {
        return new Exchange(partial, error);
    }

    boolean succeeded() {
        return error == null;
    }
}
