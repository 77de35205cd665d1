package io.ambit.hbone;

import java.net.InetSocketAddress;
import java.util.Optional;

import io.ambit.identity.SpiffeId;

/**
 * What an HBONE server tells its owner about each connection and tunnel, so ztunnel can count
 * and log them (Istio's {@code response_flags}, one access-log line per connection) and close
 * a tunnel later when policy changes. Called on event loops: implementations must not block.
 */
public interface TunnelObserver {

    /** Why a connection or stream was refused; {@link #status} is the HTTP status sent, 0 for a plain close. */
    enum Refusal {
        /** The TLS handshake failed or could not start (no server certificate yet), or the client proved no SPIFFE ID: closed, no status. */
        HANDSHAKE(0),
        /**
         * ALPN was not {@code h2}, or the bytes broke HTTP/2 so badly that the connection ends (the
         * codec's GOAWAY: not HTTP/2 at all, a header block far over the limit). Errors the codec
         * settles on one stream before it exists (431 for headers over the limit) are not seen here.
         */
        PROTOCOL(0),
        /** Not a CONNECT, a malformed {@code :authority}, or a target not served here. */
        BAD_REQUEST(400),
        /** Policy denied the client. */
        DENIED(401),
        /** The upstream could not be reached. */
        UPSTREAM_UNREACHABLE(503);

        private final int status;

        Refusal(int status) {
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    /**
     * @param client  the proven client identity, when the handshake got that far
     * @param request the parsed CONNECT, when the request got that far
     */
    default void refused(InetSocketAddress peer, Optional<SpiffeId> client, Optional<ConnectRequest> request,
            Refusal refusal, String reason) {
    }

    /** A tunnel is up and relaying; {@link Relay#done()} completes when it ends. */
    default void opened(ConnectRequest request, Relay relay) {
    }

    TunnelObserver NONE = new TunnelObserver() {
    };
}
