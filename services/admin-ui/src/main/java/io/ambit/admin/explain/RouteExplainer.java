package io.ambit.admin.explain;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.ambit.admin.mesh.MeshSnapshot;
import io.ambit.admin.mesh.ServiceInfo;
import io.ambit.admin.mesh.StoreObject;
import io.ambit.l7.route.CompiledRoute;
import io.ambit.l7.route.FaultPolicy;
import io.ambit.l7.route.HeaderOps;
import io.ambit.l7.route.RequestView;
import io.ambit.l7.route.RetryPolicy;
import io.ambit.l7.route.RouteConfigException;
import io.ambit.l7.route.RouteTable;
import io.ambit.l7.route.WeightedTarget;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * Which route a waypoint takes for a request: the route table its listener names, compiled and
 * matched by {@code libs/l7-route}, the waypoint's own code (virtual host by authority, first
 * route whose path, headers and query parameters match, in the order the translator ranked them
 * by Gateway API precedence), and what that route does (backends with weights, redirect, direct
 * answer, rewrites, header changes, timeout, retries, faults, mirrors).
 */
final class RouteExplainer {

    /** The translator's cluster names: {@code outbound|<port>||<hostname>} ({@code WaypointL7Translator.clusterName}). */
    private static final Pattern CLUSTER = Pattern.compile("outbound\\|(\\d+)\\|\\|(.*)");
    /** The translator's name for an unnamed rule: {@code <namespace>.<route>.<index>} ({@code RouteConverter.ruleName}). */
    private static final Pattern RULE = Pattern.compile("([^.]+)\\.(.+)\\.(\\d+)");
    static final String FAULT_FILTER = FaultPolicy.FILTER;

    private RouteExplainer() {
    }

    /**
     * @param table   the route table the listener names, if the waypoint has it
     * @param faults  whether the listener's chain has the fault filter (route faults apply only then, as in Envoy)
     * @param request the request, its {@code :authority} the service host
     */
    static Explanation.Route explain(MeshSnapshot mesh, String tableName, Optional<RouteConfiguration> table, boolean faults,
            HttpProbe request) {
        if (table.isEmpty()) {
            return noRoute(tableName, "the waypoint has no route table " + tableName + ": it answers 404 (NR)");
        }
        RouteTable compiled;
        try {
            compiled = RouteTable.compile(table.get());
        } catch (RouteConfigException | io.ambit.authz.rbac.RbacConfigException e) {
            return new Explanation.Route(tableName, false, "", "", "refused", 0,
                    "the waypoint refuses route table " + tableName + " (NACK) and keeps its previous one: " + e.getMessage(), List.of(), List.of());
        }
        Optional<CompiledRoute> matched = compiled.route(view(request));
        if (matched.isEmpty()) {
            return noRoute(tableName, "no route matches " + request.describe() + " for " + request.authority()
                    + ": the waypoint answers 404 (NR), as Envoy does");
        }
        CompiledRoute route = matched.get();
        String origin = origin(mesh, route.name());
        List<String> applies = new ArrayList<>();
        FaultPolicy fault = faults ? route.fault() : null;
        if (fault != null) {
            if (fault.delayPerMillion() > 0) {
                applies.add("fault: delay " + fault.delay().toMillis() + " ms to " + percent(fault.delayPerMillion()) + " of requests");
            }
            if (fault.abortPerMillion() > 0) {
                applies.add("fault: abort " + percent(fault.abortPerMillion()) + " of requests with "
                        + (fault.grpcStatus() >= 0 ? "gRPC status " + fault.grpcStatus() : "HTTP " + fault.httpStatus()));
            }
        }
        headers("request headers", route.requestHeaders(), applies);
        headers("response headers", route.responseHeaders(), applies);
        return switch (route.kind()) {
            case DIRECT -> new Explanation.Route(tableName, true, route.name(), origin, "direct response", route.directStatus(),
                    "the waypoint answers " + route.directStatus() + " itself", List.of(), applies);
            case REDIRECT -> {
                int code = redirectCode(route.redirect());
                applies.add(0, "redirect " + code + ": " + redirect(route.redirect()));
                yield new Explanation.Route(tableName, true, route.name(), origin, "redirect", code,
                        "the waypoint answers " + code + " with a Location", List.of(), applies);
            }
            case FORWARD -> forward(mesh, tableName, route, origin, applies);
        };
    }

    private static Explanation.Route forward(MeshSnapshot mesh, String tableName, CompiledRoute route, String origin, List<String> applies) {
        int total = route.targets().stream().mapToInt(WeightedTarget::weight).sum();
        List<Explanation.Backend> backends = new ArrayList<>();
        boolean unknown = false;
        for (WeightedTarget t : route.targets()) {
            Matcher m = CLUSTER.matcher(t.cluster());
            Optional<ServiceInfo> service = Optional.empty();
            int port = 0;
            if (m.matches() && !m.group(2).isEmpty()) {
                port = Integer.parseInt(m.group(1));
                String host = m.group(2);
                service = mesh.services().stream().filter(s -> s.hostname().equals(host)).findFirst();
            }
            unknown |= service.isEmpty();
            backends.add(new Explanation.Backend(t.cluster(), service.map(x -> x.namespace() + "/" + x.name()).orElse(""), port, t.weight(),
                    total == 0 ? 0 : Math.round(100f * t.weight() / total)));
            headers("request headers (backend " + t.cluster() + ")", t.requestHeaders(), applies);
            if (t.hostRewrite() != null) {
                applies.add("host rewrite (backend " + t.cluster() + ") to " + t.hostRewrite());
            }
        }
        if (route.prefixRewrite() != null) {
            applies.add("path prefix rewrite to " + route.prefixRewrite());
        }
        if (route.regexRewrite() != null) {
            applies.add("path rewrite " + route.regexRewrite());
        }
        if (route.hostRewrite() != null) {
            applies.add("host rewrite to " + route.hostRewrite());
        }
        applies.add(route.timeout().isZero() ? "no route timeout" : "timeout " + route.timeout().toMillis() + " ms");
        RetryPolicy retry = route.retry();
        if (retry.numRetries() > 0 && !retry.retryOn().isEmpty()) {
            applies.add("retries: up to " + retry.numRetries() + " on " + String.join(",", new java.util.TreeSet<>(retry.retryOn()))
                    + (retry.retriableStatusCodes().isEmpty() ? "" : " " + new java.util.TreeSet<>(retry.retriableStatusCodes()))
                    + (retry.perTryTimeout().isZero() ? "" : ", " + retry.perTryTimeout().toMillis() + " ms per try"));
        }
        route.mirrors().forEach(mirror -> applies.add("mirror " + percent(mirror.perMillion()) + " to " + mirror.cluster() + " (answer dropped)"));
        String outcome = unknown
                ? "a backend is not a known service: requests drawn to it get " + route.clusterNotFoundStatus() + " (NC)"
                : "forwarded to " + String.join(", ", backends.stream().map(b -> b.service() + ":" + b.port() + " (" + b.percent() + "%)").toList());
        return new Explanation.Route(tableName, true, route.name(), origin, "forward", 0, outcome, backends, applies);
    }

    private static Explanation.Route noRoute(String table, String outcome) {
        return new Explanation.Route(table, false, "", "", "no route", 404, outcome, List.of(), List.of());
    }

    /** The request as the waypoint's router sees it. */
    static RequestView view(HttpProbe request) {
        HttpHeaders headers = new DefaultHttpHeaders();
        request.headers().forEach(headers::add);
        headers.set("host", request.authority());
        return RequestView.of(request.method(), request.uri(), headers);
    }

    /** The HTTPRoute or GRPCRoute rule a route came from, from the translator's rule name (or the rule's own name). */
    static String origin(MeshSnapshot mesh, String routeName) {
        if (routeName.equals("default")) {
            return "no HTTPRoute or GRPCRoute: the waypoint's default route to the service";
        }
        Matcher m = RULE.matcher(routeName);
        for (String kind : List.of("HTTPRoute", "GRPCRoute")) {
            if (m.matches() && mesh.object(kind, m.group(1), m.group(2)).isPresent()) {
                return kind + " " + m.group(1) + "/" + m.group(2) + " rules[" + m.group(3) + "]";
            }
            for (StoreObject o : mesh.objects(kind)) {
                var rules = o.spec().path("rules");
                for (int i = 0; i < rules.size(); i++) {
                    if (rules.get(i).path("name").asString("").equals(routeName)) {
                        return kind + " " + o.key() + " rules[" + i + "] (" + routeName + ")";
                    }
                }
            }
        }
        return routeName;
    }

    private static void headers(String what, HeaderOps ops, List<String> out) {
        if (!ops.remove().isEmpty()) {
            out.add(what + ": remove " + String.join(", ", ops.remove()));
        }
        ops.add().forEach(o -> out.add(what + ": " + o.getAppendAction().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                + " " + o.getHeader().getKey() + ": " + o.getHeader().getValue()));
    }

    private static int redirectCode(RedirectAction r) {
        return switch (r.getResponseCode()) {
            case FOUND -> 302;
            case SEE_OTHER -> 303;
            case TEMPORARY_REDIRECT -> 307;
            case PERMANENT_REDIRECT -> 308;
            default -> 301;
        };
    }

    private static String redirect(RedirectAction r) {
        List<String> parts = new ArrayList<>();
        if (!r.getSchemeRedirect().isEmpty()) {
            parts.add("scheme " + r.getSchemeRedirect());
        }
        if (!r.getHostRedirect().isEmpty()) {
            parts.add("host " + r.getHostRedirect());
        }
        if (r.getPortRedirect() != 0) {
            parts.add("port " + r.getPortRedirect());
        }
        if (!r.getPathRedirect().isEmpty()) {
            parts.add("path " + r.getPathRedirect());
        }
        if (!r.getPrefixRewrite().isEmpty()) {
            parts.add("matched prefix replaced by " + r.getPrefixRewrite());
        }
        if (r.getStripQuery()) {
            parts.add("query dropped");
        }
        return parts.isEmpty() ? "same location" : String.join(", ", parts);
    }

    private static String percent(int perMillion) {
        return new java.math.BigDecimal(perMillion).movePointLeft(4).stripTrailingZeros().toPlainString() + "%";
    }
}
