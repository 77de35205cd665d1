package io.ambit.gatewayapi.v1;

import java.util.List;
import java.util.Map;

/**
 * {@code Gateway.spec} (apis/v1/gateway_types.go). A waypoint is a Gateway of class
 * {@code istio-waypoint} with a listener named {@code mesh}, port 15008, protocol {@code HBONE}.
 */
public record GatewaySpec(String gatewayClassName, List<Listener> listeners, List<Address> addresses, Infrastructure infrastructure,
                          AllowedListeners allowedListeners, Object tls, String defaultScope) {

    public GatewaySpec {
        Checks.required(gatewayClassName, "gatewayClassName");
        if (listeners == null || listeners.isEmpty()) {
            throw new IllegalArgumentException("listeners: at least one");
        }
        listeners = List.copyOf(listeners);
        addresses = Checks.list(addresses);
        if (listeners.stream().map(Listener::name).distinct().count() != listeners.size()) {
            throw new IllegalArgumentException("listeners: names must be unique");
        }
    }

    /** {@code protocol} is a free string upstream (HTTP, HTTPS, TLS, TCP, UDP, or a domain-prefixed one such as HBONE). */
    public record Listener(String name, String hostname, int port, String protocol, ListenerTls tls, AllowedRoutes allowedRoutes) {
        public Listener {
            Checks.required(name, "name");
            Checks.port(port, "port");
            Checks.required(protocol, "protocol");
        }
    }

    public record ListenerTls(String mode, List<Map<String, Object>> certificateRefs, Map<String, String> options) {
    }

    public enum FromNamespaces { All, Same, Selector, None }

    public record AllowedRoutes(RouteNamespaces namespaces, List<RouteGroupKind> kinds) {
        public AllowedRoutes {
            kinds = Checks.list(kinds);
        }
    }

    public record RouteNamespaces(FromNamespaces from, LabelSelector selector) {
        public RouteNamespaces {
            from = from == null ? FromNamespaces.Same : from;
            if (from == FromNamespaces.Selector && selector == null) {
                throw new IllegalArgumentException("selector is required when from is Selector");
            }
        }
    }

    public record RouteGroupKind(String group, String kind) {
        public RouteGroupKind {
            Checks.required(kind, "kind");
        }
    }

    public record Address(String type, String value) {
    }

    public record Infrastructure(Map<String, String> labels, Map<String, String> annotations, LocalObjectReference parametersRef) {
    }

    public record AllowedListeners(RouteNamespaces namespaces) {
    }
}
