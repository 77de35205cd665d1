package io.ambit.l7.route;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import io.ambit.authz.rbac.HeaderMatch;
import io.ambit.authz.rbac.StringMatch;

import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;

/**
 * One Envoy {@code Route}, compiled: its match as a predicate and one of three actions (forward
 * to weighted clusters, redirect, direct response). Anything the waypoint cannot honour is a
 * {@link RouteConfigException} at compile time, so the control plane hears of it as a NACK rather
 * than traffic silently taking a different path.
 */
public final class CompiledRoute {

    public enum Kind { FORWARD, REDIRECT, DIRECT }

    /** A request mirror: a copy of a share of the requests (per million) goes to {@code cluster}, its answer dropped. */
    public record Mirror(String cluster, int perMillion) {
        public boolean sample() {
            return ThreadLocalRandom.current().nextInt(1_000_000) < perMillion;
        }
    }

    private final String name;
    private final Predicate<RequestView> match;
    private final Kind kind;
    private final List<WeightedTarget> targets;
    private final int totalWeight;
    private final HeaderOps requestHeaders;
    private final HeaderOps responseHeaders;
    private final Duration timeout;
    private final RetryPolicy retry;
    private final String prefixRewrite;
    private final Pattern regexRewrite;
    private final String regexSubstitution;
    private final String hostRewrite;
    private final int clusterNotFoundStatus;
    private final RedirectAction redirect;
    private final List<Mirror> mirrors;
    private final int directStatus;
    private final String directBody;
    /** What a prefix rewrite replaces: the route's prefix match, if any. */
    private final String matchedPrefix;
    /** The route's fault injection, or null. */
    private final FaultPolicy fault;

    private CompiledRoute(Route r) {
        this.name = r.getName();
        RouteMatch m = r.getMatch();
        this.match = match(m);
        this.matchedPrefix = switch (m.getPathSpecifierCase()) {
            case PREFIX -> m.getPrefix();
            case PATH_SEPARATED_PREFIX -> m.getPathSeparatedPrefix();
            default -> null;
        };
        this.requestHeaders = new HeaderOps(r.getRequestHeadersToAddList(), r.getRequestHeadersToRemoveList());
        this.responseHeaders = new HeaderOps(r.getResponseHeadersToAddList(), r.getResponseHeadersToRemoveList());
        this.fault = r.containsTypedPerFilterConfig(FaultPolicy.FILTER)
                ? compileFault(r.getName(), r.getTypedPerFilterConfigOrThrow(FaultPolicy.FILTER)) : null;
        RouteAction a = r.getRoute();
        switch (r.getActionCase()) {
            case ROUTE -> {
                kind = Kind.FORWARD;
                targets = targets(a);
                totalWeight = targets.stream().mapToInt(WeightedTarget::weight).sum();
                if (totalWeight <= 0) {
                    throw new RouteConfigException("route " + name + ": weighted clusters add up to 0");
                }
                timeout = a.hasTimeout() ? RetryPolicy.proto(a.getTimeout()) : Duration.ofSeconds(15); // Envoy's default
                retry = a.hasRetryPolicy() ? RetryPolicy.of(a.getRetryPolicy()) : RetryPolicy.NONE;
                prefixRewrite = a.getPrefixRewrite().isEmpty() ? null : a.getPrefixRewrite();
                if (a.hasRegexRewrite()) {
                    regexRewrite = StringMatch.regex(a.getRegexRewrite().getPattern().getRegex());
                    regexSubstitution = a.getRegexRewrite().getSubstitution().replaceAll("\\\\(\\d)", "\\$$1");
                } else {
                    regexRewrite = null;
                    regexSubstitution = null;
                }
                hostRewrite = a.getHostRewriteLiteral().isEmpty() ? null : a.getHostRewriteLiteral();
                clusterNotFoundStatus = a.getClusterNotFoundResponseCode() == RouteAction.ClusterNotFoundResponseCode.INTERNAL_SERVER_ERROR
                        ? 500 : a.getClusterNotFoundResponseCode() == RouteAction.ClusterNotFoundResponseCode.NOT_FOUND ? 404 : 503;
                redirect = null;
                directStatus = 0;
                directBody = null;
                mirrors = a.getRequestMirrorPoliciesList().stream().map(CompiledRoute::mirror).toList();
            }
            case REDIRECT -> {
                kind = Kind.REDIRECT;
                redirect = r.getRedirect();
                targets = List.of();
                totalWeight = 0;
                timeout = Duration.ZERO;
                retry = RetryPolicy.NONE;
                prefixRewrite = null;
                regexRewrite = null;
                regexSubstitution = null;
                hostRewrite = null;
                clusterNotFoundStatus = 503;
                directStatus = 0;
                directBody = null;
                mirrors = List.of();
            }
            case DIRECT_RESPONSE -> {
                kind = Kind.DIRECT;
                directStatus = r.getDirectResponse().getStatus();
                directBody = r.getDirectResponse().hasBody() ? r.getDirectResponse().getBody().getInlineString() : "";
                redirect = null;
                targets = List.of();
                totalWeight = 0;
                timeout = Duration.ZERO;
                retry = RetryPolicy.NONE;
                prefixRewrite = null;
                regexRewrite = null;
                regexSubstitution = null;
                hostRewrite = null;
                clusterNotFoundStatus = 503;
                mirrors = List.of();
            }
            default -> throw new RouteConfigException("route " + name + ": action " + r.getActionCase() + " is not supported");
        }
    }

    private static Mirror mirror(RouteAction.RequestMirrorPolicy m) {
        if (!m.hasRuntimeFraction()) {
            return new Mirror(m.getCluster(), 1_000_000);
        }
        var percent = m.getRuntimeFraction().getDefaultValue();
        long perMillion = switch (percent.getDenominator()) {
            case HUNDRED -> percent.getNumerator() * 10_000L;
            case TEN_THOUSAND -> percent.getNumerator() * 100L;
            case MILLION -> percent.getNumerator();
            default -> throw new RouteConfigException("mirror fraction denominator " + percent.getDenominator() + " is not supported");
        };
        return new Mirror(m.getCluster(), (int) Math.min(1_000_000, perMillion));
    }

    private static FaultPolicy compileFault(String route, com.google.protobuf.Any config) {
        try {
            return FaultPolicy.compile(config);
        } catch (RouteConfigException e) {
            throw new RouteConfigException("route " + route + ": " + e.getMessage());
        }
    }

    /** The route's fault injection, or null when it has none. */
    public FaultPolicy fault() {
        return fault;
    }

    public List<Mirror> mirrors() {
        return mirrors;
    }

    public static CompiledRoute compile(Route r) {
        return new CompiledRoute(r);
    }

    private static List<WeightedTarget> targets(RouteAction a) {
        List<WeightedTarget> out = new ArrayList<>();
        switch (a.getClusterSpecifierCase()) {
            case CLUSTER -> out.add(new WeightedTarget(a.getCluster(), 1, HeaderOps.NONE, HeaderOps.NONE, null));
            case WEIGHTED_CLUSTERS -> {
                for (WeightedCluster.ClusterWeight w : a.getWeightedClusters().getClustersList()) {
                    out.add(new WeightedTarget(w.getName(), w.hasWeight() ? w.getWeight().getValue() : 0,
                            new HeaderOps(w.getRequestHeadersToAddList(), w.getRequestHeadersToRemoveList()),
                            new HeaderOps(w.getResponseHeadersToAddList(), w.getResponseHeadersToRemoveList()),
                            w.getHostRewriteLiteral().isEmpty() ? null : w.getHostRewriteLiteral()));
                }
            }
            default -> throw new RouteConfigException("cluster specifier " + a.getClusterSpecifierCase() + " is not supported");
        }
        return out;
    }

    private static Predicate<RequestView> match(RouteMatch m) {
        boolean caseSensitive = !m.hasCaseSensitive() || m.getCaseSensitive().getValue();
        Predicate<String> path = switch (m.getPathSpecifierCase()) {
            case PREFIX -> caseSensitive ? p -> p.startsWith(m.getPrefix()) : p -> p.toLowerCase().startsWith(m.getPrefix().toLowerCase());
            case PATH -> caseSensitive ? p -> p.equals(m.getPath()) : p -> p.equalsIgnoreCase(m.getPath());
            case PATH_SEPARATED_PREFIX -> {
                String prefix = m.getPathSeparatedPrefix();
                yield p -> {
                    String candidate = caseSensitive ? p : p.toLowerCase();
                    String want = caseSensitive ? prefix : prefix.toLowerCase();
                    return candidate.equals(want) || candidate.startsWith(want + "/");
                };
            }
            case SAFE_REGEX -> {
                Pattern pattern = StringMatch.regex(m.getSafeRegex().getRegex());
                yield p -> pattern.matcher(p).matches();
            }
            default -> throw new RouteConfigException("path specifier " + m.getPathSpecifierCase() + " is not supported");
        };
        List<Predicate<io.ambit.authz.rbac.RequestAttributes>> headers = m.getHeadersList().stream().map(HeaderMatch::compile).toList();
        List<Predicate<RequestView>> params = m.getQueryParametersList().stream().map(CompiledRoute::query).toList();
        if (m.hasRuntimeFraction() || m.hasGrpc() || m.getDynamicMetadataCount() > 0 || m.hasTlsContext()) {
            throw new RouteConfigException("route match fields other than path, headers and query parameters are not supported");
        }
        return request -> path.test(request.path()) && headers.stream().allMatch(h -> h.test(request))
                && params.stream().allMatch(q -> q.test(request));
    }

    private static Predicate<RequestView> query(QueryParameterMatcher q) {
        String name = q.getName();
        return switch (q.getQueryParameterMatchSpecifierCase()) {
            case STRING_MATCH -> {
                Predicate<String> value = StringMatch.compile(q.getStringMatch());
                yield r -> r.queryParameter(name).stream().findFirst().map(value::test).orElse(false);
            }
            case PRESENT_MATCH -> r -> r.hasQueryParameter(name) == q.getPresentMatch();
            default -> throw new RouteConfigException("query parameter matcher " + q.getQueryParameterMatchSpecifierCase() + " is not supported");
        };
    }

    public boolean matches(RequestView request) {
        return match.test(request);
    }

    /** A destination drawn at random in proportion to the weights, independently per request (as Envoy). */
    public WeightedTarget pickTarget() {
        if (targets.size() == 1) {
            return targets.getFirst();
        }
        int draw = ThreadLocalRandom.current().nextInt(totalWeight);
        for (WeightedTarget t : targets) {
            draw -= t.weight();
            if (draw < 0) {
                return t;
            }
        }
        return targets.getLast();
    }

    /** The path sent upstream: prefix rewrite (of the matched prefix) or regex rewrite; the query is kept. */
    public String rewritePath(String path, String query) {
        String out = path;
        if (prefixRewrite != null && matchedPrefix != null && path.startsWith(matchedPrefix)) {
            out = prefixRewrite + path.substring(matchedPrefix.length());
            if (out.isEmpty()) {
                out = "/";
            }
            out = out.replace("//", "/");
        } else if (regexRewrite != null) {
            out = regexRewrite.matcher(path).replaceAll(regexSubstitution);
        }
        return query.isEmpty() ? out : out + "?" + query;
    }

    /** A redirect's {@code prefix_rewrite}: the matched prefix replaced. */
    public String rewritePathForRedirect(String path, String prefix) {
        if (matchedPrefix != null && path.startsWith(matchedPrefix)) {
            String out = prefix + path.substring(matchedPrefix.length());
            return out.isEmpty() ? "/" : out.replace("//", "/");
        }
        return path;
    }

    public String name() {
        return name;
    }

    /** The weighted destinations of a forwarding route (empty for a redirect or a direct response). */
    public List<WeightedTarget> targets() {
        return targets;
    }

    /** The forwarded path's {@code prefix_rewrite}, or null. */
    public String prefixRewrite() {
        return prefixRewrite;
    }

    /** The forwarded path's {@code regex_rewrite} as {@code pattern -> substitution}, groups written as Envoy writes them; or null. */
    public String regexRewrite() {
        return regexRewrite == null ? null : regexRewrite.pattern() + " -> " + regexSubstitution.replaceAll("\\$(\\d)", "\\\\$1");
    }

    public Kind kind() {
        return kind;
    }

    public HeaderOps requestHeaders() {
        return requestHeaders;
    }

    public HeaderOps responseHeaders() {
        return responseHeaders;
    }

    public Duration timeout() {
        return timeout;
    }

    public RetryPolicy retry() {
        return retry;
    }

    public String hostRewrite() {
        return hostRewrite;
    }

    public int clusterNotFoundStatus() {
        return clusterNotFoundStatus;
    }

    public RedirectAction redirect() {
        return redirect;
    }

    public int directStatus() {
        return directStatus;
    }

    public String directBody() {
        return directBody;
    }
}
