package io.ambit.hbone;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;

import io.ambit.identity.SpiffeId;

/**
 * One CONNECT as the server's {@link Authorizer} sees it.
 *
 * @param client      the SPIFFE ID the client proved in the TLS handshake (never from a header)
 * @param peer        the TCP peer of the HBONE connection (the client's ztunnel, not the workload)
 * @param target      the parsed {@code :authority}
 * @param forwarded   the {@code forwarded} header, which carries the original source {@code for="ip:port"}
 * @param baggage     the {@code baggage} header, if any
 * @param traceparent the {@code traceparent} header, if any
 */
public record ConnectRequest(SpiffeId client, InetSocketAddress peer, InetSocketAddress target,
        Optional<String> forwarded, Optional<String> baggage, Optional<String> traceparent) {

    public ConnectRequest {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(target, "target");
    }
}
