package io.ambit.gatewayapi.v1;

import java.util.List;

/**
 * {@code HTTPRoute.spec} (apis/v1/httproute_types.go). Defaults the CRD applies at admission are
 * applied here too, since the local store has no API server: a rule without matches matches
 * {@code PathPrefix /}; a path match without type is {@code PathPrefix}; header and query
 * matches without type are {@code Exact}; a backend's weight is 1.
 */
public record HTTPRouteSpec(List<ParentReference> parentRefs, String useDefaultGateways, List<String> hostnames, List<Rule> rules) {

    public HTTPRouteSpec {
        parentRefs = Checks.list(parentRefs);
        hostnames = Checks.list(hostnames);
        rules = Checks.list(rules);
        if (rules.size() > 16) {
            throw new IllegalArgumentException("rules: at most 16");
        }
        if (rules.stream().mapToInt(r -> r.matches().size()).sum() > 128) {
            throw new IllegalArgumentException("the total number of matches across all rules in a route must be less than 128");
        }
    }

    public record Rule(String name, List<Match> matches, List<Filter> filters, List<BackendRef> backendRefs, Timeouts timeouts,
                       Retry retry, SessionPersistence sessionPersistence) {
        public Rule {
            matches = matches == null || matches.isEmpty()
                    ? List.of(new Match(new PathMatch(PathMatchType.PathPrefix, "/"), null, null, null)) : List.copyOf(matches);
            filters = Checks.list(filters);
            backendRefs = Checks.list(backendRefs);
            if (matches.size() > 64) {
                throw new IllegalArgumentException("matches: at most 64");
            }
            // the CRD's CEL rules on a rule (httproute_types.go), in its words
            for (FilterType single : List.of(FilterType.CORS, FilterType.RequestHeaderModifier, FilterType.ResponseHeaderModifier,
                    FilterType.RequestRedirect, FilterType.URLRewrite)) {
                if (filters.stream().filter(f -> f.type() == single).count() > 1) {
                    throw new IllegalArgumentException(single + " filter cannot be repeated");
                }
            }
            boolean redirect = filters.stream().anyMatch(f -> f.type() == FilterType.RequestRedirect);
            if (redirect && filters.stream().anyMatch(f -> f.type() == FilterType.URLRewrite)) {
                throw new IllegalArgumentException("May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both");
            }
            if (redirect && !backendRefs.isEmpty()) {
                throw new IllegalArgumentException("RequestRedirect filter must not be used together with backendRefs");
            }
            boolean prefixRewrite = filters.stream().anyMatch(f -> (f.requestRedirect() != null && f.requestRedirect().path() != null
                    && f.requestRedirect().path().type() == PathModifierType.ReplacePrefixMatch)
                    || (f.urlRewrite() != null && f.urlRewrite().path() != null
                            && f.urlRewrite().path().type() == PathModifierType.ReplacePrefixMatch));
            if (prefixRewrite && (matches.size() != 1 || matches.getFirst().path().type() != PathMatchType.PathPrefix)) {
                throw new IllegalArgumentException("When using " + (redirect ? "RequestRedirect" : "URLRewrite")
                        + " filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified");
            }
        }
    }

    public record Match(PathMatch path, List<HeaderMatch> headers, List<QueryParamMatch> queryParams, HTTPMethod method) {
        public Match {
            path = path == null ? new PathMatch(PathMatchType.PathPrefix, "/") : path;
            headers = Checks.list(headers);
            queryParams = Checks.list(queryParams);
        }
    }

    public enum PathMatchType { Exact, PathPrefix, RegularExpression }

    private static final java.util.regex.Pattern VALID_PATH =
            java.util.regex.Pattern.compile("^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$");

    public record PathMatch(PathMatchType type, String value) {
        public PathMatch {
            type = type == null ? PathMatchType.PathPrefix : type;
            value = value == null ? "/" : value;
            if (type != PathMatchType.RegularExpression) {
                Checks.absolutePath(value, "value");
                if (!VALID_PATH.matcher(value).matches()) {
                    throw new IllegalArgumentException(
                            "must only contain valid characters (matching ^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$)");
                }
                if (value.contains("//") || value.contains("/./") || value.contains("/../") || value.contains("%2f")
                        || value.contains("%2F") || value.contains("#") || value.endsWith("/..") || value.endsWith("/.")) {
                    throw new IllegalArgumentException("value must be a normalized path without '//', '/./', '/../', '%2f' or '#'");
                }
            }
        }
    }

    public enum MatchType { Exact, RegularExpression }

    public record HeaderMatch(MatchType type, String name, String value) {
        public HeaderMatch {
            type = type == null ? MatchType.Exact : type;
            Checks.required(name, "name");
            Checks.required(value, "value");
        }
    }

    public record QueryParamMatch(MatchType type, String name, String value) {
        public QueryParamMatch {
            type = type == null ? MatchType.Exact : type;
            Checks.required(name, "name");
            Checks.required(value, "value");
        }
    }

    public enum HTTPMethod { GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH }

    public enum FilterType { RequestHeaderModifier, ResponseHeaderModifier, RequestMirror, RequestRedirect, URLRewrite, CORS,
        ExternalAuth, ExtensionRef }

    private static final String[] FILTER_FIELDS = {"requestHeaderModifier", "responseHeaderModifier", "requestMirror",
        "requestRedirect", "urlRewrite", "cors", "externalAuth", "extensionRef"};

    public record Filter(FilterType type, HTTPHeaderFilter requestHeaderModifier, HTTPHeaderFilter responseHeaderModifier,
                         HTTPRequestMirrorFilter requestMirror, RequestRedirect requestRedirect, URLRewrite urlRewrite, Cors cors,
                         ExternalAuth externalAuth, LocalObjectReference extensionRef) {
        public Filter {
            Checks.required(type, "type");
            Checks.filterFields(type.name(), FILTER_FIELDS, requestHeaderModifier, responseHeaderModifier, requestMirror,
                    requestRedirect, urlRewrite, cors, externalAuth, extensionRef);
        }
    }

    public enum PathModifierType { ReplaceFullPath, ReplacePrefixMatch }

    public record PathModifier(PathModifierType type, String replaceFullPath, String replacePrefixMatch) {
        public PathModifier {
            Checks.required(type, "type");
            Checks.filterFields(type.name(), new String[] {"replaceFullPath", "replacePrefixMatch"}, replaceFullPath, replacePrefixMatch);
            Checks.absolutePath(replaceFullPath, "replaceFullPath");
            Checks.absolutePath(replacePrefixMatch, "replacePrefixMatch");
        }
    }

    public record RequestRedirect(String scheme, String hostname, PathModifier path, Integer port, Integer statusCode) {
        public RequestRedirect {
            if (scheme != null && !scheme.equals("http") && !scheme.equals("https")) {
                throw new IllegalArgumentException("scheme must be http or https");
            }
            Checks.port(port, "port");
            // 301 and 302 are standard; 303, 307 and 308 are the extended set.
            if (statusCode != null && !List.of(301, 302, 303, 307, 308).contains(statusCode)) {
                throw new IllegalArgumentException("statusCode must be one of 301, 302, 303, 307, 308");
            }
        }

        public int statusCodeOrDefault() {
            return statusCode == null ? 302 : statusCode;
        }
    }

    public record URLRewrite(String hostname, PathModifier path) {
    }

    public record Cors(List<String> allowOrigins, Boolean allowCredentials, List<String> allowMethods, List<String> allowHeaders,
                       List<String> exposeHeaders, Integer maxAge) {
    }

    public enum ExternalAuthProtocol { HTTP, GRPC }

    public record ExternalAuth(ExternalAuthProtocol protocol, BackendObjectReference backendRef, GrpcAuthConfig grpc,
                               HttpAuthConfig http, ForwardBody forwardBody) {
    }

    public record GrpcAuthConfig(List<String> allowedHeaders) {
    }

    public record HttpAuthConfig(String path, List<String> allowedHeaders, List<String> allowedResponseHeaders) {
    }

    public record ForwardBody(Integer maxSize) {
    }

    /** An {@code HTTPBackendRef}: {@code BackendRef} inlined (the object reference and weight) plus per-backend filters. */
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

    /** {@code timeouts}: GEP-2257 durations; {@code backendRequest} may not exceed {@code request}. */
    public record Timeouts(String request, String backendRequest) {
        public Timeouts {
            if (request != null) {
                GatewayApi.duration(request);
            }
            if (backendRequest != null) {
                GatewayApi.duration(backendRequest);
            }
            if (request != null && backendRequest != null && !request.equals("0s")
                    && GatewayApi.duration(backendRequest).compareTo(GatewayApi.duration(request)) > 0) {
                throw new IllegalArgumentException("backendRequest timeout cannot be longer than request timeout");
            }
        }
    }

    /** {@code retry} (GEP-1731): status codes 400-599, attempts, backoff. */
    public record Retry(List<Integer> codes, Integer attempts, String backoff) {
        public Retry {
            codes = Checks.list(codes);
            for (int code : codes) {
                if (code < 400 || code > 599) {
                    throw new IllegalArgumentException("codes must be between 400 and 599");
                }
            }
            if (attempts != null && attempts < 0) {
                throw new IllegalArgumentException("attempts must not be negative");
            }
            if (backoff != null) {
                GatewayApi.duration(backoff);
            }
        }
    }
}
