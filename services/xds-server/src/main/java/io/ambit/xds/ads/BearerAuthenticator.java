package io.ambit.xds.ads;

/**
 * Authenticates the {@code authorization: Bearer <token>} of a call that arrived over TLS without a
 * client certificate, as Istio's ztunnel calls its control plane (projected ServiceAccount token,
 * audience {@code istio-ca}). Returns the SPIFFE ID the call then acts as: the same one a client
 * certificate of that node agent would carry, so it gets the same view.
 */
@FunctionalInterface
public interface BearerAuthenticator {

    /** @throws Rejected with a reason the client may see */
    String authenticate(String token);

    /** The token proves nothing this server accepts. */
    final class Rejected extends RuntimeException {
        public Rejected(String message) {
            super(message);
        }
    }
}
