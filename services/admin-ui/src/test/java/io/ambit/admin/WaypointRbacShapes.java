package io.ambit.admin;

import com.google.protobuf.Any;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;

/**
 * A waypoint listener as the xds-server's {@code WaypointL7Translator} emits it (an
 * {@code api_listener} named {@code host:port} with an HTTP connection manager on RDS, RBAC filters
 * DENY then ALLOW with istiod's policy names, then the router), printed as its debug view prints
 * it. Policies: DENY {@code shop/deny-admin} (path prefix {@code /admin}), DENY
 * {@code shop/deny-debug} (header {@code x-debug: 1}), ALLOW {@code shop/allow-sleep-get}
 * ({@code GET} from {@code spiffe://cluster.local/ns/demo/sa/sleep}).
 */
final class WaypointRbacShapes {

    static final JsonFormat.Printer ENVOY_JSON = JsonFormat.printer().omittingInsignificantWhitespace()
            .usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder()
                    .add(HttpConnectionManager.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.filters.http.router.v3.Router.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault.getDescriptor())
                    .build());

    private WaypointRbacShapes() {
    }

    static Listener listener(String host, String vip, int port) {
        Principal anyone = Principal.newBuilder().setAndIds(Principal.Set.newBuilder()
                .addIds(Principal.newBuilder().setAny(true))).build();
        RBAC deny = RBAC.newBuilder().setAction(RBAC.Action.DENY)
                .putPolicies("ns[shop]-policy[deny-admin]-rule[0]", Policy.newBuilder()
                        .addPermissions(and(Permission.newBuilder().setOrRules(Permission.Set.newBuilder().addRules(Permission.newBuilder()
                                .setUrlPath(PathMatcher.newBuilder().setPath(StringMatcher.newBuilder().setPrefix("/admin")))))))
                        .addPrincipals(anyone).build())
                .putPolicies("ns[shop]-policy[deny-debug]-rule[0]", Policy.newBuilder()
                        .addPermissions(and(Permission.newBuilder().setHeader(HeaderMatcher.newBuilder().setName("x-debug")
                                .setStringMatch(StringMatcher.newBuilder().setExact("1")))))
                        .addPrincipals(anyone).build())
                .build();
        RBAC allow = RBAC.newBuilder().setAction(RBAC.Action.ALLOW)
                .putPolicies("ns[shop]-policy[allow-sleep-get]-rule[0]", Policy.newBuilder()
                        .addPermissions(and(Permission.newBuilder().setOrRules(Permission.Set.newBuilder().addRules(Permission.newBuilder()
                                .setHeader(HeaderMatcher.newBuilder().setName(":method")
                                        .setStringMatch(StringMatcher.newBuilder().setExact("GET")))))))
                        .addPrincipals(Principal.newBuilder().setAndIds(Principal.Set.newBuilder().addIds(Principal.newBuilder()
                                .setOrIds(Principal.Set.newBuilder().addIds(Principal.newBuilder().setAuthenticated(
                                        Principal.Authenticated.newBuilder().setPrincipalName(
                                                StringMatcher.newBuilder().setExact("spiffe://cluster.local/ns/demo/sa/sleep"))))))))
                        .build())
                .build();
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder().setStatPrefix(host)
                .setRds(Rds.newBuilder().setRouteConfigName("outbound|" + port + "||" + host))
                .addHttpFilters(rbac(deny)).addHttpFilters(rbac(allow))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.fault")
                        .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault.getDefaultInstance())))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
                        .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.filters.http.router.v3.Router.getDefaultInstance())))
                .build();
        return Listener.newBuilder().setName(host + ":" + port)
                .setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(vip).setPortValue(port)))
                .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm))).build();
    }

    /**
     * A TCP port's listener as {@code WaypointL7Translator} emits it: one filter chain, network RBAC
     * ALLOW {@code shop/allow-sleep-tcp} (connections from demo's sleep identity), then the TCP proxy
     * to the port's cluster.
     */
    static Listener tcpListener(String host, String vip, int port) {
        String cluster = "outbound|" + port + "||" + host;
        RBAC allow = RBAC.newBuilder().setAction(RBAC.Action.ALLOW)
                .putPolicies("ns[shop]-policy[allow-sleep-tcp]-rule[0]", Policy.newBuilder()
                        .addPermissions(Permission.newBuilder().setAny(true))
                        .addPrincipals(Principal.newBuilder().setAuthenticated(Principal.Authenticated.newBuilder().setPrincipalName(
                                StringMatcher.newBuilder().setExact("spiffe://cluster.local/ns/demo/sa/sleep"))))
                        .build())
                .build();
        return Listener.newBuilder().setName(host + ":" + port)
                .setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(vip).setPortValue(port)))
                .addFilterChains(io.envoyproxy.envoy.config.listener.v3.FilterChain.newBuilder().setName("inbound-vip|" + port + "|tcp|" + host)
                        .addFilters(io.envoyproxy.envoy.config.listener.v3.Filter.newBuilder().setName("envoy.filters.network.rbac")
                                .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.newBuilder()
                                        .setStatPrefix(cluster).setRules(allow).build())))
                        .addFilters(io.envoyproxy.envoy.config.listener.v3.Filter.newBuilder().setName("envoy.filters.network.tcp_proxy")
                                .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.newBuilder()
                                        .setStatPrefix(cluster).setCluster(cluster).build()))))
                .build();
    }

    private static Permission and(Permission.Builder rule) {
        return Permission.newBuilder().setAndRules(Permission.Set.newBuilder().addRules(rule)).build();
    }

    private static HttpFilter rbac(RBAC rules) {
        return HttpFilter.newBuilder().setName("envoy.filters.http.rbac").setIsOptional(true)
                .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.newBuilder().setRules(rules).build()))
                .build();
    }
}
