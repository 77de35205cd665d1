package io.ambit.waypoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.ambit.hbone.HboneClient;
import io.ambit.hbone.HboneConnection;
import io.ambit.hbone.HboneHeaders;
import io.ambit.hbone.HbonePool;
import io.ambit.hbone.HboneServer;
import io.ambit.hbone.HboneSettings;
import io.ambit.hbone.HboneTunnel;
import io.ambit.hbone.TargetPolicy;
import io.ambit.hbone.Transport;
import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.identity.TrustBundle;
import io.ambit.identity.X509Svids;
import io.ambit.testkit.TestCa;
import io.ambit.tls.MeshTls;
import io.ambit.tls.PeerPolicy;
import io.ambit.tls.ReloadableSslContext.KeyMaterial;
import io.ambit.waypoint.config.WaypointConfigStore;
import io.ambit.waypoint.config.WaypointSnapshot;
import io.ambit.waypoint.telemetry.RequestTelemetry;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.SslContext;

/**
 * The Envoy resources the tests feed the waypoint, shaped as the control plane's
 * {@code WaypointL7Translator} shapes them: one service {@code echo.ns} on VIP {@code 10.0.0.10:80}
 * with a DENY RBAC filter (header {@code x-deny: yes} or a path under {@code /admin}), a route table
 * with header/path/query matches, a 90/10 split, a timeout, retries, a redirect, and clusters over
 * the given loopback endpoints.
 */
public final class TestMeshConfig {

    public static final String HOST = "echo.ns.svc.cluster.local";
    public static final String VIP = "10.0.0.10";
    public static final String ROUTES = "outbound|80||" + HOST;

    public record Resources(List<Listener> listeners, List<RouteConfiguration> routes, List<Cluster> clusters,
                            List<ClusterLoadAssignment> endpoints) {
        public WaypointSnapshot snapshot() {
            return WaypointConfigStore.build(listeners, routes, clusters, endpoints);
        }
    }

    private TestMeshConfig() {
    }

    // ---- configuration, as the translator shapes it ----

    public static Resources resources(InetSocketAddress a, InetSocketAddress b, InetSocketAddress slow, InetSocketAddress failing) {
        return resources(a, b, slow, failing, a);
    }

    public static Resources resources(InetSocketAddress a, InetSocketAddress b, InetSocketAddress slow, InetSocketAddress failing,
                                      InetSocketAddress mirror) {
        return resources(a, b, slow, failing, mirror, a);
    }

    /** @param grpc an h2c server for the GRPCRoute-style route {@code /echo.Echo/} */
    public static Resources resources(InetSocketAddress a, InetSocketAddress b, InetSocketAddress slow, InetSocketAddress failing,
                                      InetSocketAddress mirror, InetSocketAddress grpc) {
        RBAC deny = RBAC.newBuilder().setAction(RBAC.Action.DENY)
                .putPolicies("ns[ns]-policy[deny]-rule[0]", Policy.newBuilder()
                        .addPermissions(Permission.newBuilder().setOrRules(Permission.Set.newBuilder()
                                .addRules(Permission.newBuilder().setHeader(HeaderMatcher.newBuilder().setName("x-deny")
                                        .setStringMatch(StringMatcher.newBuilder().setExact("yes"))))
                                .addRules(Permission.newBuilder().setUrlPath(PathMatcher.newBuilder()
                                        .setPath(StringMatcher.newBuilder().setPrefix("/admin"))))))
                        .addPrincipals(Principal.newBuilder().setAny(true)).build())
                .build();
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder().setStatPrefix(ROUTES)
                .setRds(Rds.newBuilder().setRouteConfigName(ROUTES))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.rbac").setIsOptional(true)
                        .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.newBuilder().setRules(deny).build())))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.fault")
                        .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault.getDefaultInstance())))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router").setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        Listener listener = Listener.newBuilder().setName(HOST + ":80").setAddress(socket(VIP, 80))
                .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm))).build();
        RouteConfiguration routes = RouteConfiguration.newBuilder().setName(ROUTES)
                .addVirtualHosts(VirtualHost.newBuilder().setName(HOST + ":80").addAllDomains(List.of(HOST, HOST + ":80", VIP, VIP + ":80"))
                        .addRoutes(route("v2", RouteMatch.newBuilder().setPath("/version")
                                .addHeaders(HeaderMatcher.newBuilder().setName("x-version").setStringMatch(StringMatcher.newBuilder().setExact("v2"))),
                                RouteAction.newBuilder().setCluster("b")))
                        .addRoutes(route("version", RouteMatch.newBuilder().setPath("/version"), RouteAction.newBuilder().setCluster("a")))
                        .addRoutes(route("split", RouteMatch.newBuilder().setPathSeparatedPrefix("/split"),
                                RouteAction.newBuilder().setWeightedClusters(WeightedCluster.newBuilder()
                                        .addClusters(WeightedCluster.ClusterWeight.newBuilder().setName("a").setWeight(UInt32Value.of(90)))
                                        .addClusters(WeightedCluster.ClusterWeight.newBuilder().setName("b").setWeight(UInt32Value.of(10))))))
                        .addRoutes(route("slow", RouteMatch.newBuilder().setPathSeparatedPrefix("/slow"),
                                RouteAction.newBuilder().setCluster("slow").setTimeout(com.google.protobuf.Duration.newBuilder().setNanos(300_000_000))))
                        .addRoutes(route("flaky", RouteMatch.newBuilder().setPathSeparatedPrefix("/flaky"),
                                RouteAction.newBuilder().setCluster("flaky").setRetryPolicy(RetryPolicy.newBuilder()
                                        .setRetryOn("connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes")
                                        .addRetriableStatusCodes(503).setNumRetries(UInt32Value.of(2)))))
                        .addRoutes(route("mirrored", RouteMatch.newBuilder().setPathSeparatedPrefix("/mirrored"),
                                RouteAction.newBuilder().setCluster("a").addRequestMirrorPolicies(RouteAction.RequestMirrorPolicy.newBuilder()
                                        .setCluster("mirror").setRuntimeFraction(io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent.newBuilder()
                                                .setDefaultValue(io.envoyproxy.envoy.type.v3.FractionalPercent.newBuilder().setNumerator(100)
                                                        .setDenominator(io.envoyproxy.envoy.type.v3.FractionalPercent.DenominatorType.HUNDRED))))))
                        .addRoutes(route("grpc", RouteMatch.newBuilder().setPathSeparatedPrefix("/echo.Echo")
                                .addHeaders(HeaderMatcher.newBuilder().setName("content-type").setStringMatch(StringMatcher.newBuilder().setPrefix("application/grpc"))),
                                RouteAction.newBuilder().setCluster("grpc")))
                        .addRoutes(faulty("fault-abort", "/fault/abort", io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault.newBuilder()
                                .setAbort(io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort.newBuilder().setHttpStatus(418)
                                        .setPercentage(percent(100))).build()))
                        .addRoutes(faulty("fault-delay", "/fault/delay", io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault.newBuilder()
                                .setDelay(io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay.newBuilder()
                                        .setFixedDelay(com.google.protobuf.Duration.newBuilder().setNanos(50_000_000)).setPercentage(percent(100)))
                                .build()))
                        .addRoutes(faulty("fault-grpc", "/fault/grpc", io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault.newBuilder()
                                .setAbort(io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort.newBuilder().setGrpcStatus(14)
                                        .setPercentage(percent(100))).build()))
                        .addRoutes(faulty("fault-never", "/fault/never", io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault.newBuilder()
                                .setAbort(io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort.newBuilder().setHttpStatus(500)
                                        .setPercentage(percent(0))).build()))
                        .addRoutes(route("eject", RouteMatch.newBuilder().setPathSeparatedPrefix("/eject"), RouteAction.newBuilder().setCluster("ejecting")))
                        .addRoutes(route("broken", RouteMatch.newBuilder().setPathSeparatedPrefix("/broken"), RouteAction.newBuilder().setCluster("failing")))
                        .addRoutes(route("empty", RouteMatch.newBuilder().setPathSeparatedPrefix("/empty"), RouteAction.newBuilder().setCluster("empty")))
                        .addRoutes(route("impostor", RouteMatch.newBuilder().setPathSeparatedPrefix("/impostor"), RouteAction.newBuilder().setCluster("impostor")))
                        .addRoutes(Route.newBuilder().setName("rewrite").setMatch(RouteMatch.newBuilder().setPathSeparatedPrefix("/api")
                                        .addQueryParameters(io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher.newBuilder().setName("q")
                                                .setStringMatch(StringMatcher.newBuilder().setExact("1"))))
                                .addRequestHeadersToAdd(HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey("x-added").setValue("yes"))
                                        .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD))
                                .addResponseHeadersToAdd(HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey("x-resp").setValue("1")))
                                .setRoute(RouteAction.newBuilder().setCluster("a").setPrefixRewrite("/v1")))
                        .addRoutes(Route.newBuilder().setName("moved").setMatch(RouteMatch.newBuilder().setPath("/old"))
                                .setRedirect(io.envoyproxy.envoy.config.route.v3.RedirectAction.newBuilder().setPathRedirect("/new")
                                        .setPortRedirect(8080).setResponseCode(io.envoyproxy.envoy.config.route.v3.RedirectAction.RedirectResponseCode.FOUND))))
                .build();
        Map<String, List<InetSocketAddress>> endpoints = new java.util.LinkedHashMap<>(Map.of("a", List.of(a), "b", List.of(b), "slow", List.of(slow),
                "flaky", List.of(failing, a), "failing", List.of(failing), "empty", List.of(), "mirror", List.of(mirror), "grpc", List.of(grpc), ROUTES, List.of(a)));
        endpoints.put("impostor", List.of(a));
        endpoints.put("ejecting", List.of(failing, a));
        List<Cluster> clusters = endpoints.keySet().stream().map(n -> n.equals("ejecting") ? EJECTING.toBuilder().setName(n).build()
                : Cluster.newBuilder().setName(n).setType(Cluster.DiscoveryType.EDS).build()).toList();
        List<ClusterLoadAssignment> assignments = endpoints.entrySet().stream().map(e -> {
            LocalityLbEndpoints.Builder l = LocalityLbEndpoints.newBuilder();
            // "impostor" says its endpoint must be another workload than the one answering there
            String identity = e.getKey().equals("impostor") ? IMPOSTOR_IDENTITY : ENDPOINT_IDENTITY;
            e.getValue().forEach(ep -> l.addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder()
                    .setAddress(socket(ep.getAddress().getHostAddress(), ep.getPort()))).setMetadata(identity(identity))));
            return ClusterLoadAssignment.newBuilder().setClusterName(e.getKey()).addEndpoints(l).build();
        }).toList();
        return new Resources(List.of(listener), List.of(routes), clusters, assignments);
    }

    /**
     * {@code base} plus what the xds-server adds for a pod bound to a waypoint for workloads: a
     * {@code direct-http} listener on the pod's IP, any port (port 0), with its identity in the
     * listener's metadata and {@code base}'s first listener's RBAC filters, a catch-all route to
     * the ORIGINAL_DST cluster {@code encap}.
     */
    public static Resources withWorkload(Resources base, String podIp, String identity) {
        HttpConnectionManager first = unpackHcm(base.listeners().getFirst());
        HttpConnectionManager.Builder hcm = HttpConnectionManager.newBuilder().setStatPrefix("direct-http")
                .setRds(Rds.newBuilder().setRouteConfigName("direct-http"));
        first.getHttpFiltersList().stream().filter(f -> f.getName().equals("envoy.filters.http.rbac")).forEach(hcm::addHttpFilters);
        hcm.addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router").setTypedConfig(Any.pack(Router.getDefaultInstance())));
        Listener direct = Listener.newBuilder().setName("direct-http|ns/workload").setAddress(socket(podIp, 0)).setMetadata(identity(identity))
                .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm.build()))).build();
        RouteConfiguration routes = RouteConfiguration.newBuilder().setName("direct-http")
                .addVirtualHosts(VirtualHost.newBuilder().setName("direct-http").addDomains("*")
                        .addRoutes(route("default", RouteMatch.newBuilder().setPrefix("/"), RouteAction.newBuilder().setCluster("encap"))))
                .build();
        Cluster encap = Cluster.newBuilder().setName("encap").setType(Cluster.DiscoveryType.ORIGINAL_DST)
                .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED).build();
        return new Resources(concat(base.listeners(), direct), concat(base.routes(), routes), concat(base.clusters(), encap), base.endpoints());
    }

    public static final String TCP_HOST = "db.ns.svc.cluster.local";
    public static final String TCP_VIP = "10.0.0.20";

    /**
     * {@code base} plus a bound service's TCP port ({@code TCP_VIP:5432}, as the xds-server
     * translates a port named {@code tcp-…}): network RBAC denying {@code denied} by principal, then
     * a TCP proxy to one endpoint.
     */
    public static Resources withTcpService(Resources base, InetSocketAddress endpoint, String denied) {
        return withTcpService(base, List.of(endpoint), denied, null, false);
    }

    /**
     * The same with several endpoints, the tcp_proxy's {@code idle_timeout} (null: unset) and, when
     * {@code ejecting}, {@link #EJECTING}'s outlier detection by consecutive gateway failures (2).
     */
    public static Resources withTcpService(Resources base, List<InetSocketAddress> endpoints, String denied,
            java.time.Duration idleTimeout, boolean ejecting) {
        String cluster = "outbound|5432||" + TCP_HOST;
        RBAC deny = RBAC.newBuilder().setAction(RBAC.Action.DENY)
                .putPolicies("ns[ns]-policy[deny]-rule[0]", Policy.newBuilder().addPermissions(Permission.newBuilder().setAny(true))
                        .addPrincipals(Principal.newBuilder().setAuthenticated(Principal.Authenticated.newBuilder()
                                .setPrincipalName(StringMatcher.newBuilder().setExact(denied)))).build())
                .build();
        Listener tcp = Listener.newBuilder().setName(TCP_HOST + ":5432").setAddress(socket(TCP_VIP, 5432))
                .addFilterChains(io.envoyproxy.envoy.config.listener.v3.FilterChain.newBuilder()
                        .addFilters(io.envoyproxy.envoy.config.listener.v3.Filter.newBuilder().setName("envoy.filters.network.rbac")
                                .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.newBuilder()
                                        .setStatPrefix(cluster).setRules(deny).build())))
                        .addFilters(io.envoyproxy.envoy.config.listener.v3.Filter.newBuilder().setName("envoy.filters.network.tcp_proxy")
                                .setTypedConfig(Any.pack(tcpProxy(cluster, idleTimeout)))))
                .build();
        Cluster c = ejecting
                ? EJECTING.toBuilder().setName(cluster).setOutlierDetection(EJECTING.getOutlierDetection().toBuilder()
                        .setConsecutive5Xx(UInt32Value.of(0)).setConsecutiveGatewayFailure(UInt32Value.of(2))
                        .setEnforcingConsecutiveGatewayFailure(UInt32Value.of(100))).build()
                : Cluster.newBuilder().setName(cluster).setType(Cluster.DiscoveryType.EDS).setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN).build();
        LocalityLbEndpoints.Builder locality = LocalityLbEndpoints.newBuilder();
        for (InetSocketAddress endpoint : endpoints) {
            locality.addLbEndpoints(LbEndpoint.newBuilder()
                    .setEndpoint(Endpoint.newBuilder().setAddress(socket(endpoint.getHostString(), endpoint.getPort())))
                    .setMetadata(identity(ENDPOINT_IDENTITY)));
        }
        ClusterLoadAssignment cla = ClusterLoadAssignment.newBuilder().setClusterName(cluster).addEndpoints(locality).build();
        return new Resources(concat(base.listeners(), tcp), base.routes(), concat(base.clusters(), c), concat(base.endpoints(), cla));
    }

    private static io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy tcpProxy(String cluster, java.time.Duration idle) {
        var tcp = io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.newBuilder().setStatPrefix(cluster).setCluster(cluster);
        if (idle != null) {
            tcp.setIdleTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(idle.getSeconds()).setNanos(idle.getNano()));
        }
        return tcp.build();
    }

    private static <T> List<T> concat(List<T> list, T one) {
        List<T> out = new java.util.ArrayList<>(list);
        out.add(one);
        return out;
    }

    private static HttpConnectionManager unpackHcm(Listener l) {
        try {
            return l.getApiListener().getApiListener().unpack(HttpConnectionManager.class);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The identity of every test endpoint's HBONE server (the data path test's destination). */
    public static final String ENDPOINT_IDENTITY = "spiffe://cluster.local/ns/ns/sa/echo";
    public static final String IMPOSTOR_IDENTITY = "spiffe://cluster.local/ns/ns/sa/impostor";

    /** The endpoint metadata the xds-server writes: {@code filter_metadata["ambit.hbone"].identity}. */
    public static io.envoyproxy.envoy.config.core.v3.Metadata identity(String spiffeId) {
        return io.envoyproxy.envoy.config.core.v3.Metadata.newBuilder().putFilterMetadata("ambit.hbone",
                com.google.protobuf.Struct.newBuilder().putFields("identity", com.google.protobuf.Value.newBuilder().setStringValue(spiffeId).build())
                        .build()).build();
    }

    /**
     * A cluster with a DestinationRule's traffic policy as istiod translates it: round robin,
     * outlier detection ejecting after 2 consecutive 5xx for an hour, up to half the cluster, no
     * panic mode.
     */
    static final Cluster EJECTING = Cluster.newBuilder().setType(Cluster.DiscoveryType.EDS).setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
            .setOutlierDetection(io.envoyproxy.envoy.config.cluster.v3.OutlierDetection.newBuilder()
                    .setEnforcingSuccessRate(UInt32Value.of(0))
                    .setConsecutive5Xx(UInt32Value.of(2)).setEnforcingConsecutive5Xx(UInt32Value.of(100))
                    .setBaseEjectionTime(com.google.protobuf.Duration.newBuilder().setSeconds(3600))
                    .setMaxEjectionPercent(UInt32Value.of(50)))
            .setCommonLbConfig(Cluster.CommonLbConfig.newBuilder().setHealthyPanicThreshold(io.envoyproxy.envoy.type.v3.Percent.newBuilder().setValue(0)))
            .build();

    private static io.envoyproxy.envoy.type.v3.FractionalPercent percent(int value) {
        return io.envoyproxy.envoy.type.v3.FractionalPercent.newBuilder().setNumerator(value * 10_000)
                .setDenominator(io.envoyproxy.envoy.type.v3.FractionalPercent.DenominatorType.MILLION).build();
    }

    /** A route to cluster "a" with a fault, as the translator writes a VirtualService's fault. */
    private static Route faulty(String name, String prefix, io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault fault) {
        return Route.newBuilder().setName(name).setMatch(RouteMatch.newBuilder().setPathSeparatedPrefix(prefix))
                .setRoute(RouteAction.newBuilder().setCluster("a"))
                .putTypedPerFilterConfig("envoy.filters.http.fault", Any.pack(fault)).build();
    }

    private static Route route(String name, RouteMatch.Builder match, RouteAction.Builder action) {
        return Route.newBuilder().setName(name).setMatch(match).setRoute(action).build();
    }

    private static Address socket(String ip, int port) {
        return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(ip).setPortValue(port)).build();
    }

}
