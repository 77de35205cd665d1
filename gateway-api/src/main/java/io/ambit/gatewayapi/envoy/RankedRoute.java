package io.ambit.gatewayapi.envoy;

import java.util.Comparator;
import java.util.List;

import io.envoyproxy.envoy.config.route.v3.Route;

/**
 * One Envoy route (one match of one rule) with what the Gateway API orders it by. Istio's
 * {@code sortHTTPRoutes} (pilot/pkg/config/kube/gateway/conversion.go), applied as a stable sort
 * to routes already in tie-break order (oldest route object, then namespace/name, then rule and
 * match order):
 * <ol>
 * <li>path match kind: Exact, then PathPrefix, then RegularExpression; a rule without a path
 *     match (a GRPCRoute rule with no method) after all of them;</li>
 * <li>longer path value first;</li>
 * <li>a method match before none;</li>
 * <li>more header matches first;</li>
 * <li>more query parameter matches first.</li>
 * </ol>
 * A rule with no match at all (GRPCRoute only) goes last.
 */
public record RankedRoute(RouteOrigin origin, int rule, int match, boolean hasMatch, int pathRank, int pathLength,
                          boolean method, int headers, int queryParams, Route route) {

    static final int EXACT = 3;
    static final int PREFIX = 2;
    static final int REGEX = 1;
    static final int NONE = -1;

    private static final Comparator<RankedRoute> TIE_BREAK = Comparator.comparing(RankedRoute::origin, RouteOrigin.PRECEDENCE)
            .thenComparingInt(RankedRoute::rule).thenComparingInt(RankedRoute::match);

    private static final Comparator<RankedRoute> PRECEDENCE = Comparator
            .comparing((RankedRoute r) -> !r.hasMatch())
            .thenComparing(Comparator.comparingInt(RankedRoute::pathRank).reversed())
            .thenComparing(Comparator.comparingInt(RankedRoute::pathLength).reversed())
            .thenComparing(r -> !r.method())
            .thenComparing(Comparator.comparingInt(RankedRoute::headers).reversed())
            .thenComparing(Comparator.comparingInt(RankedRoute::queryParams).reversed());

    /** The routes of one virtual host, in the order Envoy must try them. */
    public static List<Route> order(List<RankedRoute> routes) {
        return routes.stream().sorted(TIE_BREAK).sorted(PRECEDENCE).map(RankedRoute::route).toList();
    }
}
