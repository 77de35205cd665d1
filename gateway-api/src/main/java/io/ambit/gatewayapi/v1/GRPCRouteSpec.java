package io.ambit.gatewayapi.v1;

import java.util.List;

/**
 * {@code GRPCRoute.spec} (apis/v1/grpcroute_types.go). A method match without type is
 * {@code Exact} and needs a service or a method; a header match without type is {@code Exact}.
 */
public record GRPCRouteSpec(List<ParentReference> parentRefs, String useDefaultGateways, List<String> hostnames, List<Rule> rules) {

    public GRPCRouteSpec {
        parentRefs = Checks.list(parentRefs);
        hostnames = Checks.list(hostnames);
        rules = Checks.list(rules);
        if (rules.size() > 16) {
            throw new IllegalArgumentException("rules: at most 16");
        }
    }

    public record Rule(String name, List<Match> matches, List<Filter> filters, List<BackendRef> backendRefs,
                       SessionPersistence sessionPersistence) {
        public Rule {
            matches = Checks.list(matches);
            filters = Checks.list(filters);
            backendRefs = Checks.list(backendRefs);
        }
    }

    public record Match(MethodMatch method, List<HeaderMatch> headers) {
        public Match {
            headers = Checks.list(headers);
        }
    }

    public record MethodMatch(HTTPRouteSpec.MatchType type, String service, String method) {
        public MethodMatch {
            type = type == null ? HTTPRouteSpec.MatchType.Exact : type;
            if ((service == null || service.isEmpty()) && (method == null || method.isEmpty())) {
                throw new IllegalArgumentException("one or both of service or method must be specified");
            }
            if (type == HTTPRouteSpec.MatchType.Exact && service != null && !service.matches("^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$")) {
                throw new IllegalArgumentException("service must only contain valid characters (matching ^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$)");
            }
            if (type == HTTPRouteSpec.MatchType.Exact && method != null && !method.matches("^[A-Za-z_][A-Za-z_0-9]*$")) {
                throw new IllegalArgumentException("method must only contain valid characters (matching ^[A-Za-z_][A-Za-z_0-9]*$)");
            }
        }
    }

    public record HeaderMatch(HTTPRouteSpec.MatchType type, String name, String value) {
        public HeaderMatch {
            type = type == null ? HTTPRouteSpec.MatchType.Exact : type;
            Checks.required(name, "name");
            Checks.required(value, "value");
        }
    }

    public enum FilterType { ResponseHeaderModifier, RequestHeaderModifier, RequestMirror, ExtensionRef }

    private static final String[] FILTER_FIELDS = {"requestHeaderModifier", "responseHeaderModifier", "requestMirror", "extensionRef"};

    public record Filter(FilterType type, HTTPHeaderFilter requestHeaderModifier, HTTPHeaderFilter responseHeaderModifier,
                         HTTPRequestMirrorFilter requestMirror, LocalObjectReference extensionRef) {
        public Filter {
            Checks.required(type, "type");
            Checks.filterFields(type.name(), FILTER_FIELDS, requestHeaderModifier, responseHeaderModifier, requestMirror, extensionRef);
        }
    }

    public record BackendRef(String group, String kind, String name, String namespace, Integer port, Integer weight,
                             List<Filter> filters) {
        public BackendRef {
            Checks.required(name, "name");
            Checks.port(port, "port");
            if (weight != null && (weight < 0 || weight > 1_000_000)) {
                throw new IllegalArgumentException("weight must be between 0 and 1000000");
            }
            filters = Checks.list(filters);
        }

        public int weightOrDefault() {
            return weight == null ? 1 : weight;
        }

        public BackendObjectReference reference() {
            return new BackendObjectReference(group, kind, name, namespace, port);
        }
    }
}
