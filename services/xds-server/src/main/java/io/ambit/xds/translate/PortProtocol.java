package io.ambit.xds.translate;

import java.util.Locale;
import java.util.Set;

import io.fabric8.kubernetes.api.model.ServicePort;

/**
 * What a Service port carries, as Istio selects it ({@code kube.ConvertProtocol} and
 * {@code protocol.Parse}): UDP by the port's protocol; else {@code appProtocol} if set, otherwise the
 * port name, up to its first {@code -} ({@code grpc-web} whole), case-insensitive. A name Istio
 * does not know is "unsupported" (Istio sniffs it), except on the well-known ports of SMTP, DNS,
 * MySQL and MongoDB, which are TCP.
 */
enum PortProtocol {
    /** {@code http}, {@code http_proxy}, {@code http2}, {@code grpc}, {@code grpc-web}: the HTTP chain. */
    HTTP,
    /** {@code tcp}, {@code tls}, {@code https}, {@code mongo}, {@code redis}, {@code mysql}: proxied as bytes, L4 policy only. */
    TCP,
    UDP,
    /** Neither name nor appProtocol says: Istio detects the protocol per connection. */
    UNSUPPORTED;

    private static final Set<Integer> WELL_KNOWN_TCP = Set.of(25, 53, 3306, 27017);

    static PortProtocol of(ServicePort port) {
        if ("UDP".equalsIgnoreCase(port.getProtocol())) {
            return UDP;
        }
        String name = port.getAppProtocol() != null ? port.getAppProtocol() : port.getName() == null ? "" : port.getName();
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.startsWith("grpc-web")) {
            return HTTP;
        }
        int dash = lower.indexOf('-');
        String prefix = dash >= 0 ? lower.substring(0, dash) : lower;
        PortProtocol parsed = switch (prefix) {
            case "http", "http_proxy", "http2", "grpc" -> HTTP;
            case "tcp", "tls", "https", "mongo", "redis", "mysql" -> TCP;
            case "udp" -> UDP;
            default -> UNSUPPORTED;
        };
        if (parsed == UNSUPPORTED && port.getPort() != null && WELL_KNOWN_TCP.contains(port.getPort())) {
            return TCP;
        }
        return parsed;
    }
}
