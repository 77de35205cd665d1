package io.ambit.gatewayapi.envoy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import io.ambit.gatewayapi.v1.BackendObjectReference;
import io.ambit.gatewayapi.v1.GRPCRouteSpec;
import io.ambit.gatewayapi.v1.GatewayApi;
import io.ambit.gatewayapi.v1.HTTPHeaderFilter;
import io.ambit.gatewayapi.v1.HTTPRequestMirrorFilter;
import io.ambit.gatewayapi.v1.HTTPRouteSpec;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;

/**
 * HTTPRoute and GRPCRoute rules → Envoy v3 {@link Route}s, the way istiod gets there (Gateway API
 * → VirtualService in {@code pilot/pkg/config/kube/gateway/conversion.go}, VirtualService → Envoy in
 * {@code pilot/pkg/networking/core/route/route.go} and {@code route/retry/retry.go}):
 * <ul>
 * <li>one Envoy route per match, named after the rule ({@code name}, or {@code ns.route.index});
 *     PathPrefix other than {@code /} → {@code path_separated_prefix} (trailing {@code /} dropped),
 *     Exact → {@code path}, RegularExpression → {@code safe_regex}; {@code case_sensitive} true;
 *     headers sorted by name, then {@code :method};</li>
 * <li>header modifiers: set → OVERWRITE_IF_EXISTS_OR_ADD, add → APPEND_IF_EXISTS_OR_ADD, sorted by
 *     name; {@code host} becomes {@code host_rewrite_literal}; pseudo-headers and {@code host} are
 *     never removed;</li>
 * <li>redirect: 301 unless 302/303/307/308; no port given → the listener's port (or the scheme's
 *     default when a scheme is given), left out when it is the scheme's default;</li>
 * <li>URLRewrite: ReplacePrefixMatch → {@code prefix_rewrite} ({@code /} → a regex rewrite that
 *     drops the matched prefix), ReplaceFullPath → regex rewrite of {@code /.*}; hostname →
 *     {@code host_rewrite_literal};</li>
 * <li>mirror: 100 % unless percent or fraction (as a per-million fraction); 0 % → no mirror;</li>
 * <li>retry stanza → attempts (default 2; 0 means none), retry on connect-failure,
 *     refused-stream, unavailable, cancelled and the codes, backoff base interval, another host
 *     per attempt; no stanza → Istio's mesh default (2 attempts, the same conditions plus
 *     retriable-status-codes); {@code backendRequest} → per-try timeout with retries, else route
 *     timeout; {@code request} → route timeout; no timeout → 0 (none);</li>
 * <li>weight 0 on every backend and no redirect → direct response 500; an unresolved backend keeps
 *     its weight and a cluster that is not sent, and {@code cluster_not_found_response_code} 500;</li>
 * <li>CORS, ExternalAuth, ExtensionRef and sessionPersistence are not supported: the rule answers
 *     500 (the Gateway API's rule for filters an implementation cannot apply) and status says why.</li>
 * </ul>
 */
public final class RouteConverter {

    private static final String RETRY_ON = "connect-failure,refused-stream,unavailable,cancelled";
    private static final RetryPolicy.RetryHostPredicate PREVIOUS_HOSTS = RetryPolicy.RetryHostPredicate.newBuilder()
            .setName("envoy.retry_host_predicates.previous_hosts")
            .setTypedConfig(Any.pack(PreviousHostsPredicate.getDefaultInstance())).build();
    /** istiod's {@code retry.DefaultPolicy()}: what a route without a retry stanza gets. */
    static final RetryPolicy DEFAULT_RETRY = RetryPolicy.newBuilder()
            .setNumRetries(UInt32Value.of(2)).setRetryOn(RETRY_ON + ",retriable-status-codes")
            .setHostSelectionRetryMaxAttempts(5).addRetryHostPredicate(PREVIOUS_HOSTS).build();

    /** istiod's mesh-default retry policy, for routes that have none of their own. */
    public static RetryPolicy defaultRetryPolicy() {
        return DEFAULT_RETRY;
    }

    private final RouteOrigin origin;
    private final int listenerPort;
    private final Backends backends;
    private final List<RankedRoute> routes = new ArrayList<>();
    private final List<RouteProblem> problems = new ArrayList<>();

    /** What one route object contributes to a virtual host, and what is wrong in it. */
    public record Result(List<RankedRoute> routes, List<RouteProblem> problems) {
        public Result {
            routes = List.copyOf(routes);
            problems = List.copyOf(problems);
        }
    }

    private RouteConverter(RouteOrigin origin, int listenerPort, Backends backends) {
        this.origin = origin;
        this.listenerPort = listenerPort;
        this.backends = backends;
    }

    public static Result http(RouteOrigin origin, HTTPRouteSpec spec, int listenerPort, Backends backends) {
        RouteConverter converter = new RouteConverter(origin, listenerPort, backends);
        for (int i = 0; i < spec.rules().size(); i++) {
            converter.httpRule(spec.rules().get(i), i);
        }
        return new Result(converter.routes, converter.problems);
    }

    public static Result grpc(RouteOrigin origin, GRPCRouteSpec spec, int listenerPort, Backends backends) {
        RouteConverter converter = new RouteConverter(origin, listenerPort, backends);
        for (int i = 0; i < spec.rules().size(); i++) {
            converter.grpcRule(spec.rules().get(i), i);
        }
        return new Result(converter.routes, converter.problems);
    }

    private String ruleName(String name, int index) {
        return name != null && !name.isEmpty() ? name : origin.namespace() + "." + origin.name() + "." + index;
    }

    // ---- HTTPRoute ----

    private void httpRule(HTTPRouteSpec.Rule rule, int index) {
        String at = "rules[" + index + "]";
        Route.Builder template = Route.newBuilder().setName(ruleName(rule.name(), index));
        String unsupported = null;
        HTTPRouteSpec.RequestRedirect redirect = null;
        HTTPRouteSpec.URLRewrite rewrite = null;
        List<HTTPRequestMirrorFilter> mirrors = new ArrayList<>();
        String authority = null;
        for (HTTPRouteSpec.Filter filter : rule.filters()) {
            switch (filter.type()) {
                case RequestHeaderModifier -> authority = requestHeaders(template, filter.requestHeaderModifier(), at);
                case ResponseHeaderModifier -> responseHeaders(template, filter.responseHeaderModifier(), at);
                case RequestRedirect -> redirect = filter.requestRedirect();
                case URLRewrite -> rewrite = filter.urlRewrite();
                case RequestMirror -> mirrors.add(filter.requestMirror());
                default -> unsupported = at + ": filter " + filter.type() + " is not supported";
            }
        }
        if (rule.sessionPersistence() != null) {
            unsupported = at + ": sessionPersistence is not supported";
        }
        for (int m = 0; m < rule.matches().size(); m++) {
            HTTPRouteSpec.Match match = rule.matches().get(m);
            RouteMatch routeMatch;
            try {
                routeMatch = httpMatch(match, at + ".matches[" + m + "]");
            } catch (IllegalArgumentException e) {
                problems.add(new RouteProblem("UnsupportedValue", e.getMessage() + "; the match is left out"));
                continue;
            }
            Route.Builder route = template.clone().setMatch(routeMatch);
            if (unsupported != null) {
                route.setDirectResponse(DirectResponseAction.newBuilder().setStatus(500));
            } else if (redirect != null) {
                route.setRedirect(redirect(redirect));
            } else if (rule.backendRefs().stream().mapToInt(HTTPRouteSpec.BackendRef::weightOrDefault).sum() == 0) {
                // "If all backendRefs are invalid or have weight 0, a 500 status code MUST be returned."
                route.setDirectResponse(DirectResponseAction.newBuilder().setStatus(500));
            } else {
                RouteAction.Builder action = RouteAction.newBuilder()
                        .setClusterNotFoundResponseCode(RouteAction.ClusterNotFoundResponseCode.INTERNAL_SERVER_ERROR);
                timeoutsAndRetries(action, rule.timeouts(), rule.retry());
                if (rewrite != null) {
                    rewrite(action, rewrite, routeMatch);
                    if (rewrite.hostname() != null) {
                        authority = rewrite.hostname();
                    }
                }
                if (authority != null) {
                    action.setHostRewriteLiteral(authority);
                }
                mirrors.forEach(mirror -> mirror(action, mirror));
                List<WeightedBackend> weighted = new ArrayList<>();
                for (HTTPRouteSpec.BackendRef ref : rule.backendRefs()) {
                    weighted.add(new WeightedBackend(ref.reference(), ref.weightOrDefault(), httpBackendFilters(ref.filters(), at)));
                }
                destinations(action, weighted, "HTTPRoute");
                route.setRoute(action);
            }
            HTTPRouteSpec.PathMatch path = match.path();
            int rank = switch (path.type()) {
                case Exact -> RankedRoute.EXACT;
                case PathPrefix -> RankedRoute.PREFIX;
                case RegularExpression -> RankedRoute.REGEX;
            };
            int length = path.type() == HTTPRouteSpec.PathMatchType.PathPrefix && !path.value().equals("/")
                    ? trimSlash(path.value()).length() : path.value().length();
            routes.add(new RankedRoute(origin, index, m, true, rank, length, match.method() != null,
                    distinctNames(match.headers().stream().map(HTTPRouteSpec.HeaderMatch::name).toList()),
                    distinctNames(match.queryParams().stream().map(HTTPRouteSpec.QueryParamMatch::name).toList()), route.build()));
        }
        if (unsupported != null) {
            problems.add(new RouteProblem("UnsupportedValue", unsupported + "; the rule answers 500"));
        }
    }

    private RouteMatch httpMatch(HTTPRouteSpec.Match match, String at) {
        RouteMatch.Builder out = RouteMatch.newBuilder().setCaseSensitive(BoolValue.of(true));
        HTTPRouteSpec.PathMatch path = match.path();
        switch (path.type()) {
            case Exact -> out.setPath(path.value());
            case PathPrefix -> {
                if (path.value().equals("/")) {
                    out.setPrefix("/");
                } else {
                    out.setPathSeparatedPrefix(trimSlash(path.value()));
                }
            }
            case RegularExpression -> out.setSafeRegex(regex(path.value(), at + ".path.value"));
        }
        Map<String, HeaderMatcher> headers = new LinkedHashMap<>();
        for (HTTPRouteSpec.HeaderMatch header : match.headers()) {
            // the first entry of a name counts, names compared without case (Gateway API)
            headers.putIfAbsent(header.name().toLowerCase(Locale.ROOT), HeaderMatcher.newBuilder().setName(header.name())
                    .setStringMatch(stringMatch(header.type(), header.value(), at + ".headers")).build());
        }
        out.addAllHeaders(byName(headers.values()));
        if (match.method() != null) {
            out.addHeaders(HeaderMatcher.newBuilder().setName(":method")
                    .setStringMatch(StringMatcher.newBuilder().setExact(match.method().name())));
        }
        Map<String, QueryParameterMatcher> params = new LinkedHashMap<>();
        for (HTTPRouteSpec.QueryParamMatch param : match.queryParams()) {
            // query parameter names are case-sensitive; the first of a name counts
            params.putIfAbsent(param.name(), QueryParameterMatcher.newBuilder().setName(param.name())
                    .setStringMatch(stringMatch(param.type(), param.value(), at + ".queryParams")).build());
        }
        out.addAllQueryParameters(params.values());
        return out.build();
    }

    /** istiod sorts header matchers by name (byte order) for a stable output. */
    private static List<HeaderMatcher> byName(java.util.Collection<HeaderMatcher> headers) {
        return headers.stream().sorted(java.util.Comparator.comparing(HeaderMatcher::getName)).toList();
    }

    private StringMatcher stringMatch(HTTPRouteSpec.MatchType type, String value, String at) {
        return type == HTTPRouteSpec.MatchType.RegularExpression
                ? StringMatcher.newBuilder().setSafeRegex(regex(value, at)).build()
                : StringMatcher.newBuilder().setExact(value).build();
    }

    private static RegexMatcher regex(String value, String at) {
        String problem = Re2.problem(value);
        if (problem != null) {
            throw new IllegalArgumentException(at + ": " + problem);
        }
        return RegexMatcher.newBuilder().setRegex(value).build();
    }

    private static int distinctNames(List<String> names) {
        return (int) names.stream().map(n -> n.toLowerCase(Locale.ROOT)).distinct().count();
    }

    private static String trimSlash(String path) {
        return path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
    }

    // ---- GRPCRoute ----

    private void grpcRule(GRPCRouteSpec.Rule rule, int index) {
        String at = "rules[" + index + "]";
        Route.Builder template = Route.newBuilder().setName(ruleName(rule.name(), index));
        String unsupported = null;
        List<HTTPRequestMirrorFilter> mirrors = new ArrayList<>();
        String authority = null;
        for (GRPCRouteSpec.Filter filter : rule.filters()) {
            switch (filter.type()) {
                case RequestHeaderModifier -> authority = requestHeaders(template, filter.requestHeaderModifier(), at);
                case ResponseHeaderModifier -> responseHeaders(template, filter.responseHeaderModifier(), at);
                case RequestMirror -> mirrors.add(filter.requestMirror());
                default -> unsupported = at + ": filter " + filter.type() + " is not supported";
            }
        }
        if (rule.sessionPersistence() != null) {
            unsupported = at + ": sessionPersistence is not supported";
        }
        List<GRPCRouteSpec.Match> matches = rule.matches().isEmpty() ? java.util.Collections.singletonList(null) : rule.matches();
        for (int m = 0; m < matches.size(); m++) {
            GRPCRouteSpec.Match match = matches.get(m);
            RouteMatch.Builder routeMatch = RouteMatch.newBuilder().setPrefix("/").setCaseSensitive(BoolValue.of(true));
            int rank = RankedRoute.NONE;
            int length = 0;
            try {
                if (match != null && match.method() != null) {
                    GrpcPath path = grpcPath(match.method(), at + ".matches[" + m + "].method");
                    rank = path.rank();
                    length = path.value().length();
                    switch (path.rank()) {
                        case RankedRoute.EXACT -> routeMatch.setPath(path.value());
                        case RankedRoute.PREFIX -> routeMatch.setPathSeparatedPrefix(trimSlash(path.value()));
                        default -> routeMatch.setSafeRegex(regex(path.value(), at + ".matches[" + m + "].method"));
                    }
                }
                if (match != null) {
                    Map<String, HeaderMatcher> headers = new LinkedHashMap<>();
                    for (GRPCRouteSpec.HeaderMatch header : match.headers()) {
                        headers.putIfAbsent(header.name().toLowerCase(Locale.ROOT), HeaderMatcher.newBuilder().setName(header.name())
                                .setStringMatch(stringMatch(header.type(), header.value(), at + ".matches[" + m + "].headers")).build());
                    }
                    routeMatch.addAllHeaders(byName(headers.values()));
                }
            } catch (IllegalArgumentException e) {
                problems.add(new RouteProblem("UnsupportedValue", e.getMessage() + "; the match is left out"));
                continue;
            }
            Route.Builder route = template.clone().setMatch(routeMatch);
            if (unsupported != null
                    || rule.backendRefs().stream().mapToInt(GRPCRouteSpec.BackendRef::weightOrDefault).sum() == 0) {
                route.setDirectResponse(DirectResponseAction.newBuilder().setStatus(500));
            } else {
                RouteAction.Builder action = RouteAction.newBuilder()
                        .setClusterNotFoundResponseCode(RouteAction.ClusterNotFoundResponseCode.INTERNAL_SERVER_ERROR);
                timeoutsAndRetries(action, null, null);
                if (authority != null) {
                    action.setHostRewriteLiteral(authority);
                }
                mirrors.forEach(mirror -> mirror(action, mirror));
                List<WeightedBackend> weighted = new ArrayList<>();
                for (GRPCRouteSpec.BackendRef ref : rule.backendRefs()) {
                    weighted.add(new WeightedBackend(ref.reference(), ref.weightOrDefault(), grpcBackendFilters(ref.filters(), at)));
                }
                destinations(action, weighted, "GRPCRoute");
                route.setRoute(action);
            }
            routes.add(new RankedRoute(origin, index, m, match != null, rank, length, false,
                    match == null ? 0 : distinctNames(match.headers().stream().map(GRPCRouteSpec.HeaderMatch::name).toList()), 0,
                    route.build()));
        }
        if (unsupported != null) {
            problems.add(new RouteProblem("UnsupportedValue", unsupported + "; the rule answers 500"));
        }
    }

    private record GrpcPath(int rank, String value) {
    }

    /** istiod's {@code createGRPCURIMatch}: gRPC paths are {@code /<service>/<method>}. */
    private static GrpcPath grpcPath(GRPCRouteSpec.MethodMatch method, String at) {
        String service = method.service() == null || method.service().isEmpty() ? null : method.service();
        String name = method.method() == null || method.method().isEmpty() ? null : method.method();
        if (method.type() == HTTPRouteSpec.MatchType.Exact) {
            if (name == null) {
                return new GrpcPath(RankedRoute.PREFIX, "/" + service + "/");
            }
            if (service == null) {
                return new GrpcPath(RankedRoute.REGEX, "/[^/]+/" + name);
            }
            return new GrpcPath(RankedRoute.EXACT, "/" + service + "/" + name);
        }
        // RegularExpression: the user's expressions are checked for RE2 when built into the matcher
        if (name == null) {
            return new GrpcPath(RankedRoute.REGEX, "/" + service + "/.+");
        }
        if (service == null) {
            return new GrpcPath(RankedRoute.REGEX, "/[^/]+/" + name);
        }
        return new GrpcPath(RankedRoute.REGEX, "/" + service + "/" + name);
    }

    // ---- shared ----

    private record WeightedBackend(BackendObjectReference ref, int weight, HeaderOps headers) {
    }

    private record HeaderOps(List<HeaderValueOption> requestAdd, List<String> requestRemove, List<HeaderValueOption> responseAdd,
                             List<String> responseRemove, String authority) {
        static final HeaderOps NONE = new HeaderOps(List.of(), List.of(), List.of(), List.of(), null);
    }

    private HeaderOps httpBackendFilters(List<HTTPRouteSpec.Filter> filters, String at) {
        HeaderOps ops = HeaderOps.NONE;
        for (HTTPRouteSpec.Filter filter : filters) {
            switch (filter.type()) {
                case RequestHeaderModifier -> ops = withRequest(ops, filter.requestHeaderModifier());
                case ResponseHeaderModifier -> ops = withResponse(ops, filter.responseHeaderModifier());
                default -> problems.add(new RouteProblem("UnsupportedValue",
                        at + ": backendRefs filter " + filter.type() + " is not supported; it is ignored"));
            }
        }
        return ops;
    }

    private HeaderOps grpcBackendFilters(List<GRPCRouteSpec.Filter> filters, String at) {
        HeaderOps ops = HeaderOps.NONE;
        for (GRPCRouteSpec.Filter filter : filters) {
            switch (filter.type()) {
                case RequestHeaderModifier -> ops = withRequest(ops, filter.requestHeaderModifier());
                case ResponseHeaderModifier -> ops = withResponse(ops, filter.responseHeaderModifier());
                default -> problems.add(new RouteProblem("UnsupportedValue",
                        at + ": backendRefs filter " + filter.type() + " is not supported; it is ignored"));
            }
        }
        return ops;
    }

    private static HeaderOps withRequest(HeaderOps ops, HTTPHeaderFilter filter) {
        Route.Builder scratch = Route.newBuilder();
        String authority = requestHeadersOn(scratch, filter);
        return new HeaderOps(scratch.getRequestHeadersToAddList(), scratch.getRequestHeadersToRemoveList(), ops.responseAdd(),
                ops.responseRemove(), authority != null ? authority : ops.authority());
    }

    private static HeaderOps withResponse(HeaderOps ops, HTTPHeaderFilter filter) {
        Route.Builder scratch = Route.newBuilder();
        responseHeadersOn(scratch, filter);
        return new HeaderOps(ops.requestAdd(), ops.requestRemove(), scratch.getResponseHeadersToAddList(),
                scratch.getResponseHeadersToRemoveList(), ops.authority());
    }

    private String requestHeaders(Route.Builder route, HTTPHeaderFilter filter, String at) {
        return requestHeadersOn(route, filter);
    }

    private void responseHeaders(Route.Builder route, HTTPHeaderFilter filter, String at) {
        responseHeadersOn(route, filter);
    }

    /** @return the authority a {@code host} header sets, which Envoy takes as a host rewrite */
    private static String requestHeadersOn(Route.Builder route, HTTPHeaderFilter filter) {
        String authority = null;
        for (var h : sorted(filter.set())) {
            if (h.name().equalsIgnoreCase("host") || h.name().equalsIgnoreCase(":authority")) {
                authority = h.value();
            }
        }
        String added = null;
        for (var h : sorted(filter.add())) {
            if (h.name().equalsIgnoreCase("host") || h.name().equalsIgnoreCase(":authority")) {
                added = h.value();
            }
        }
        route.addAllRequestHeadersToAdd(headerOptions(filter.set(), HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD));
        route.addAllRequestHeadersToAdd(headerOptions(filter.add(), HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD));
        route.addAllRequestHeadersToRemove(filter.remove().stream().filter(n -> !internal(n)).toList());
        return authority != null ? authority : added;
    }

    private static void responseHeadersOn(Route.Builder route, HTTPHeaderFilter filter) {
        route.addAllResponseHeadersToAdd(headerOptions(filter.set(), HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD));
        route.addAllResponseHeadersToAdd(headerOptions(filter.add(), HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD));
        route.addAllResponseHeadersToRemove(filter.remove().stream().filter(n -> !internal(n)).toList());
    }

    private static List<HTTPHeaderFilter.HTTPHeader> sorted(List<HTTPHeaderFilter.HTTPHeader> headers) {
        return headers.stream().sorted(java.util.Comparator.comparing(HTTPHeaderFilter.HTTPHeader::name)).toList();
    }

    private static List<HeaderValueOption> headerOptions(List<HTTPHeaderFilter.HTTPHeader> headers,
            HeaderValueOption.HeaderAppendAction action) {
        return sorted(headers).stream().filter(h -> !internal(h.name()))
                .map(h -> HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey(h.name()).setValue(h.value()))
                        .setAppendAction(action).build())
                .toList();
    }

    /** istiod's {@code isInternalHeader}: pseudo-headers and {@code host} are not header operations. */
    private static boolean internal(String name) {
        return name.startsWith(":") || name.equalsIgnoreCase("host");
    }

    private RedirectAction redirect(HTTPRouteSpec.RequestRedirect redirect) {
        RedirectAction.Builder out = RedirectAction.newBuilder();
        if (redirect.hostname() != null) {
            out.setHostRedirect(redirect.hostname());
        }
        if (redirect.path() != null && redirect.path().type() == HTTPRouteSpec.PathModifierType.ReplacePrefixMatch) {
            out.setPrefixRewrite(redirect.path().replacePrefixMatch());
        } else if (redirect.path() != null) {
            out.setPathRedirect(redirect.path().replaceFullPath());
        }
        if (redirect.scheme() != null) {
            out.setSchemeRedirect(redirect.scheme());
        }
        // "When empty, port (if specified) of the request is used": Envoy cannot derive it, but the
        // route belongs to one listener port; with a scheme, the scheme's default port (left unset).
        int port = redirect.port() != null ? redirect.port() : redirect.scheme() == null ? listenerPort : 0;
        String scheme = redirect.scheme() == null ? "http" : redirect.scheme();
        if (!(port == 80 && scheme.equals("http")) && !(port == 443 && scheme.equals("https"))) {
            out.setPortRedirect(port);
        }
        out.setResponseCode(switch (redirect.statusCodeOrDefault()) {
            case 302 -> RedirectAction.RedirectResponseCode.FOUND;
            case 303 -> RedirectAction.RedirectResponseCode.SEE_OTHER;
            case 307 -> RedirectAction.RedirectResponseCode.TEMPORARY_REDIRECT;
            case 308 -> RedirectAction.RedirectResponseCode.PERMANENT_REDIRECT;
            default -> RedirectAction.RedirectResponseCode.MOVED_PERMANENTLY;
        });
        return out.build();
    }

    private static void rewrite(RouteAction.Builder action, HTTPRouteSpec.URLRewrite rewrite, RouteMatch match) {
        if (rewrite.path() == null) {
            return;
        }
        if (rewrite.path().type() == HTTPRouteSpec.PathModifierType.ReplaceFullPath) {
            action.setRegexRewrite(RegexMatchAndSubstitute.newBuilder()
                    .setPattern(RegexMatcher.newBuilder().setRegex("/.*")).setSubstitution(rewrite.path().replaceFullPath()));
            return;
        }
        String prefix = trimSlash(rewrite.path().replacePrefixMatch());
        if (prefix.equals("/") && match.hasPathSeparatedPrefix()) {
            // removing the prefix: keep a "/" in case the whole path is removed
            action.setRegexRewrite(RegexMatchAndSubstitute.newBuilder()
                    .setPattern(RegexMatcher.newBuilder().setRegex("^" + quoteMeta(match.getPathSeparatedPrefix()) + "(/?)(.*)"))
                    .setSubstitution("/\\2"));
        } else {
            action.setPrefixRewrite(prefix);
        }
    }

    /** Go's {@code regexp.QuoteMeta}, as istiod quotes the prefix (RE2 syntax, unlike {@code Pattern.quote}). */
    static String quoteMeta(String text) {
        StringBuilder out = new StringBuilder();
        for (char c : text.toCharArray()) {
            if ("\\.+*?()|[]{}^$".indexOf(c) >= 0) {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }

    private void mirror(RouteAction.Builder action, HTTPRequestMirrorFilter mirror) {
        FractionalPercent percent;
        if (mirror.fraction() != null) {
            double value = 100.0 * mirror.fraction().numerator() / mirror.fraction().denominatorOrDefault();
            percent = FractionalPercent.newBuilder().setNumerator((int) (value * 10000))
                    .setDenominator(FractionalPercent.DenominatorType.MILLION).build();
        } else if (mirror.percent() != null) {
            percent = FractionalPercent.newBuilder().setNumerator(mirror.percent() * 10000)
                    .setDenominator(FractionalPercent.DenominatorType.MILLION).build();
        } else {
            percent = FractionalPercent.newBuilder().setNumerator(100).setDenominator(FractionalPercent.DenominatorType.HUNDRED).build();
        }
        if (percent.getNumerator() == 0) {
            return;
        }
        Backends.Resolution target = backends.resolve(origin.kind(), origin.namespace(), mirror.backendRef());
        if (!target.resolved()) {
            problems.add(new RouteProblem(target.reason(), "requestMirror: " + target.message()));
            return;
        }
        action.addRequestMirrorPolicies(RouteAction.RequestMirrorPolicy.newBuilder().setCluster(target.cluster())
                .setRuntimeFraction(RuntimeFractionalPercent.newBuilder().setDefaultValue(percent)));
    }

    private void timeoutsAndRetries(RouteAction.Builder action, HTTPRouteSpec.Timeouts timeouts, HTTPRouteSpec.Retry retry) {
        Duration timeout = Duration.ZERO;
        RetryPolicy.Builder policy = null;
        if (retry != null) {
            int attempts = retry.attempts() == null ? 2 : retry.attempts();
            if (attempts > 0) {
                policy = RetryPolicy.newBuilder().setNumRetries(UInt32Value.of(attempts)).setRetryOn(RETRY_ON)
                        .setHostSelectionRetryMaxAttempts(5).addRetryHostPredicate(PREVIOUS_HOSTS);
                if (!retry.codes().isEmpty()) {
                    policy.addAllRetriableStatusCodes(retry.codes()).setRetryOn(RETRY_ON + ",retriable-status-codes");
                }
                if (retry.backoff() != null) {
                    policy.setRetryBackOff(RetryPolicy.RetryBackOff.newBuilder().setBaseInterval(proto(GatewayApi.duration(retry.backoff()))));
                }
            }
        }
        if (timeouts != null && timeouts.request() != null && !GatewayApi.duration(timeouts.request()).isZero()) {
            timeout = GatewayApi.duration(timeouts.request());
        }
        if (timeouts != null && timeouts.backendRequest() != null && !GatewayApi.duration(timeouts.backendRequest()).isZero()) {
            Duration backend = GatewayApi.duration(timeouts.backendRequest());
            if (retry != null && policy != null) {
                policy.setPerTryTimeout(proto(backend));
            } else if (retry == null) {
                timeout = backend;
            }
        }
        action.setTimeout(proto(timeout));
        // proxyless gRPC reads max_stream_duration, not timeout (istiod sets it for those clients)
        action.setMaxStreamDuration(RouteAction.MaxStreamDuration.newBuilder().setMaxStreamDuration(proto(timeout)));
        if (retry == null) {
            action.setRetryPolicy(DEFAULT_RETRY);
        } else if (policy != null) {
            action.setRetryPolicy(policy);
        }
    }

    private static com.google.protobuf.Duration proto(Duration d) {
        return com.google.protobuf.Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
    }

    private void destinations(RouteAction.Builder action, List<WeightedBackend> backendsOfRule, String kind) {
        List<WeightedBackend> live = backendsOfRule.size() == 1 ? backendsOfRule
                : backendsOfRule.stream().filter(b -> b.weight() > 0).toList(); // istiod drops 0-weight destinations
        List<WeightedCluster.ClusterWeight> weights = new ArrayList<>();
        for (WeightedBackend backend : live) {
            Backends.Resolution target = backends.resolve(kind, origin.namespace(), backend.ref());
            if (!target.resolved()) {
                problems.add(new RouteProblem(target.reason(), target.message()));
            }
            WeightedCluster.ClusterWeight.Builder weight = WeightedCluster.ClusterWeight.newBuilder().setName(target.cluster())
                    .setWeight(UInt32Value.of(backend.weight()))
                    .addAllRequestHeadersToAdd(backend.headers().requestAdd())
                    .addAllRequestHeadersToRemove(backend.headers().requestRemove())
                    .addAllResponseHeadersToAdd(backend.headers().responseAdd())
                    .addAllResponseHeadersToRemove(backend.headers().responseRemove());
            if (backend.headers().authority() != null) {
                weight.setHostRewriteLiteral(backend.headers().authority());
            }
            weights.add(weight.build());
        }
        if (live.size() == 1 && backendsOfRule.size() == 1 && live.getFirst().headers() == HeaderOps.NONE) {
            action.setCluster(weights.getFirst().getName());
        } else {
            action.setWeightedClusters(WeightedCluster.newBuilder().addAllClusters(weights));
        }
    }
}
