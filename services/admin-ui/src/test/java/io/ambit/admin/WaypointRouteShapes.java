package io.ambit.admin;

import java.util.List;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;

/**
 * Route tables and endpoints in the shape the xds-server's {@code WaypointL7Translator} emits them
 * for the stand-in's waypoint: one RouteConfiguration per service port named as its cluster
 * ({@code outbound|80||shop.shop.svc.cluster.local}), one virtual host with the service's names,
 * routes named {@code <ns>.<route>.<rule index>} in Gateway API precedence. HTTPRoute
 * {@code shop/split} on Service {@code shop}:
 * <ol start="0">
 *   <li>{@code /v2} (exact header {@code x-canary: yes}): all to {@code shop-v2}, timeout 3 s, 2 retries on 5xx;</li>
 *   <li>{@code /products} prefix: 80 % {@code shop}, 20 % {@code shop-v2}; a 10 % abort with 503;</li>
 *   <li>{@code /old} prefix: 301 redirect, prefix replaced by {@code /new};</li>
 * </ol>
 * nothing else (so {@code GET /} has no route: 404 NR). Service {@code shop-v2}: its default route.
 */
final class WaypointRouteShapes {

    static final String SHOP = "shop.shop.svc.cluster.local";
    static final String SHOP_V2 = "shop-v2.shop.svc.cluster.local";

    private WaypointRouteShapes() {
    }

    static String cluster(String host, int port) {
        return "outbound|" + port + "||" + host;
    }

    static List<RouteConfiguration> routes(String shopVip, String v2Vip) {
        Route canary = Route.newBuilder().setName("shop.split.0")
                .setMatch(RouteMatch.newBuilder().setPathSeparatedPrefix("/v2").addHeaders(HeaderMatcher.newBuilder().setName("x-canary")
                        .setStringMatch(StringMatcher.newBuilder().setExact("yes"))))
                .setRoute(RouteAction.newBuilder().setCluster(cluster(SHOP_V2, 80))
                        .setTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(3))
                        .setRetryPolicy(RetryPolicy.newBuilder().setRetryOn("5xx").setNumRetries(UInt32Value.of(2))))
                .build();
        HTTPFault abort = HTTPFault.newBuilder().setAbort(FaultAbort.newBuilder().setHttpStatus(503)
                .setPercentage(FractionalPercent.newBuilder().setNumerator(10).setDenominator(FractionalPercent.DenominatorType.HUNDRED)))
                .build();
        Route split = Route.newBuilder().setName("shop.split.1")
                .setMatch(RouteMatch.newBuilder().setPathSeparatedPrefix("/products"))
                .setRoute(RouteAction.newBuilder().setWeightedClusters(WeightedCluster.newBuilder()
                        .addClusters(WeightedCluster.ClusterWeight.newBuilder().setName(cluster(SHOP, 80)).setWeight(UInt32Value.of(80)))
                        .addClusters(WeightedCluster.ClusterWeight.newBuilder().setName(cluster(SHOP_V2, 80)).setWeight(UInt32Value.of(20)))))
                .putTypedPerFilterConfig("envoy.filters.http.fault", Any.pack(abort))
                .build();
        Route redirect = Route.newBuilder().setName("shop.split.2")
                .setMatch(RouteMatch.newBuilder().setPathSeparatedPrefix("/old"))
                .setRedirect(RedirectAction.newBuilder().setPrefixRewrite("/new"))
                .build();
        RouteConfiguration shop = RouteConfiguration.newBuilder().setName(cluster(SHOP, 80))
                .addVirtualHosts(VirtualHost.newBuilder().setName(SHOP + ":80").addAllDomains(List.of(SHOP, SHOP + ":80", shopVip, shopVip + ":80"))
                        .addRoutes(canary).addRoutes(split).addRoutes(redirect))
                .build();
        RouteConfiguration v2 = RouteConfiguration.newBuilder().setName(cluster(SHOP_V2, 80))
                .addVirtualHosts(VirtualHost.newBuilder().setName(SHOP_V2 + ":80").addAllDomains(List.of(SHOP_V2, SHOP_V2 + ":80", v2Vip, v2Vip + ":80"))
                        .addRoutes(Route.newBuilder().setName("default").setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                .setRoute(RouteAction.newBuilder().setCluster(cluster(SHOP_V2, 80)))))
                .build();
        return List.of(shop, v2);
    }

    static ClusterLoadAssignment endpoints(String host, int port, String ip, int targetPort) {
        return ClusterLoadAssignment.newBuilder().setClusterName(cluster(host, port))
                .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder()
                        .setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(ip).setPortValue(targetPort))))))
                .build();
    }
}
