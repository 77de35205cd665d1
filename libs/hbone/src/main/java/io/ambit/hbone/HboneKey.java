package io.ambit.hbone;

import java.net.InetSocketAddress;
import java.util.Objects;

import io.ambit.identity.SpiffeId;

/**
 * What makes two tunnels able to share an HBONE connection (ztunnel's {@code WorkloadKey}): the
 * same source identity (the client certificate), the same expected destination identity (what
 * the handshake checked) and the same HBONE server address. Ambit leaves out ztunnel's source IP:
 * original-source binding is not implemented, so every connection leaves from the same address.
 */
public record HboneKey(SpiffeId source, SpiffeId destination, InetSocketAddress address) {

    public HboneKey {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(address, "address");
    }
}
