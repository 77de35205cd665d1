package io.ambit.ztunnel.socks;

import java.net.InetAddress;
import java.util.Optional;

/**
 * A client's CONNECT request, fired as a user event once the handshake has been read: the
 * application resolves the target (a hostname is looked up in the mesh, never in DNS by this
 * handler), connects, and answers with {@link Socks5ServerHandler#reply}.
 *
 * @param address the literal address asked for (ATYP 1 or 4), or empty for a hostname
 * @param host    the hostname asked for (ATYP 3), or empty for a literal address
 * @param port    the destination port
 */
public record Socks5Connect(Optional<InetAddress> address, Optional<String> host, int port) {

    @Override
    public String toString() {
        return address.map(InetAddress::getHostAddress).orElseGet(host::orElseThrow) + ":" + port;
    }
}
