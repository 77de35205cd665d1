package io.ambit.authz.rbac;

import java.net.InetAddress;
import java.util.Optional;

/**
 * What an RBAC decision sees: the request, the source identity proven in the HBONE tunnel's TLS
 * handshake (its SPIFFE id as text, what {@code principal_name} matchers compare), the source
 * address for {@code direct_remote_ip} and {@code remote_ip} (both the {@code forwarded} header's
 * {@code for}, the original client, when the ztunnel sent one, else the tunnel's peer) and the
 * destination port of the tunnel's {@code :authority}.
 */
public record RbacContext(RequestAttributes request, Optional<String> source, InetAddress directRemote, InetAddress remote,
                          int destinationPort) {
}
