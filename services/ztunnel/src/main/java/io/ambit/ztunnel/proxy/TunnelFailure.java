package io.ambit.ztunnel.proxy;

import javax.net.ssl.SSLException;

import io.ambit.hbone.TunnelRefusedException;
import io.ambit.ztunnel.telemetry.ResponseFlags;
import io.netty.handler.codec.http2.Http2Exception;

/**
 * The {@code response_flags} of an outbound tunnel that could not be opened, as ztunnel derives
 * them from its error ({@code extract_failure_reason} in {@code proxy/metrics.rs}): no certificate
 * for the source → {@code IDENTITY_ERROR}; refused by policy (401) → {@code DENY}; the TLS
 * handshake failed (including a server that proved the wrong identity) → {@code TLS_FAILURE};
 * HTTP/2 broke → {@code H2_HANDSHAKE_FAILURE}; anything else → {@code CONNECT}.
 */
final class TunnelFailure {

    static String responseFlags(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof NoCertificateException) {
                return ResponseFlags.IDENTITY_ERROR;
            }
            if (t instanceof TunnelRefusedException refused) {
                return refused.status() == 401 ? ResponseFlags.DENY : ResponseFlags.CONNECT;
            }
            if (t instanceof SSLException) {
                return ResponseFlags.TLS_FAILURE;
            }
            if (t instanceof Http2Exception) {
                return ResponseFlags.H2_HANDSHAKE_FAILURE;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return ResponseFlags.CONNECT;
    }

    private TunnelFailure() {
    }
}
