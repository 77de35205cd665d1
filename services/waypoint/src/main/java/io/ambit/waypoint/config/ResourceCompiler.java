package io.ambit.waypoint.config;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.ambit.identity.SpiffeId;
import io.ambit.authz.rbac.RbacConfigException;
import io.ambit.authz.rbac.RbacEngine;
import io.ambit.l7.route.RouteConfigException;
import io.ambit.l7.route.RouteTable;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;

/**
 * Checks and compiles one xDS resource at a time, so that a bad one is refused alone (NACKed)
 * and the rest still apply. Each method throws {@link ConfigException} saying what is wrong.
 */
public final class ResourceCompiler {

    static final String RBAC = "envoy.filters.http.rbac";
    static final String ROUTER = "envoy.filters.http.router";
    static final String FAULT = io.ambit.l7.route.FaultPolicy.FILTER;

    /**
     * A listener as compiled: where it listens, its authorization filters, its route table name
     * and whether its chain has the fault filter (which routes' fault configs need, as in Envoy).
     */
    public record CompiledListener(String name, InetSocketAddress address, List<RbacEngine> authorization, String routeConfig,
                                   boolean faults, SpiffeId workload, String tcpCluster, java.time.Duration tcpIdleTimeout) {

        CompiledListener(String name, InetSocketAddress address, List<RbacEngine> authorization, String routeConfig, boolean faults,
                SpiffeId workload) {
            this(name, address, authorization, routeConfig, faults, workload, null, null);
        }

        /** A workload-addressed chain (Istio's {@code direct-http}): any port of one pod, whose identity it carries. */
        public boolean direct() {
            return workload != null;
        }
    }

    private ResourceCompiler() {
    }

    public static <T extends Message> T unpack(Any body, Class<T> type) {
        try {
            return body.unpack(type);
        } catch (InvalidProtocolBufferException e) {
            throw new ConfigException("not a " + type.getSimpleName() + ": " + e.getMessage());
        }
    }

    /** The translator's listeners: an {@code api_listener} with an HTTP connection manager on RDS. */
    static final String NETWORK_RBAC = RbacEngine.NETWORK_FILTER;
    static final String TCP_PROXY = "envoy.filters.network.tcp_proxy";

    public static CompiledListener listener(Listener l) {
        if (!l.hasApiListener()) {
            if (l.getFilterChainsCount() > 0) {
                return tcpListener(l);
            }
            throw new ConfigException("listener " + l.getName() + " has neither an api_listener (HTTP) nor a filter chain (TCP)");
        }
        HttpConnectionManager hcm = unpack(l.getApiListener().getApiListener(), HttpConnectionManager.class);
        if (!hcm.hasRds() || hcm.getRds().getRouteConfigName().isEmpty()) {
            throw new ConfigException("listener " + l.getName() + ": only RDS route configurations are supported");
        }
        List<RbacEngine> authorization = new ArrayList<>();
        boolean router = false;
        boolean faults = false;
        for (HttpFilter f : hcm.getHttpFiltersList()) {
            if (router) {
                throw new ConfigException("listener " + l.getName() + ": filter " + f.getName() + " after the router");
            }
            switch (f.getName()) {
                case RBAC -> {
                    if (faults) {
                        // a fault before authorization would delay or answer requests that are to be denied
                        throw new ConfigException("listener " + l.getName() + ": RBAC after the fault filter is not supported");
                    }
                    authorization.add(rbac(l.getName(), f));
                }
                case FAULT -> {
                    io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault listenerLevel;
                    try {
                        listenerLevel = unpack(f.getTypedConfig(), io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault.class);
                    } catch (ConfigException e) {
                        throw new ConfigException("listener " + l.getName() + ": " + FAULT + ": " + e.getMessage());
                    }
                    if (!listenerLevel.equals(io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault.getDefaultInstance())) {
                        throw new ConfigException("listener " + l.getName() + ": a fault filter with its own faults is not supported"
                                + " (faults are configured per route)");
                    }
                    faults = true;
                }
                case ROUTER -> router = true;
                default -> throw new ConfigException("listener " + l.getName() + ": HTTP filter " + f.getName() + " is not supported");
            }
        }
        if (!router) {
            throw new ConfigException("listener " + l.getName() + " has no router filter");
        }
        if (l.hasAddress() && l.getAddress().hasSocketAddress() && l.getAddress().getSocketAddress().getPortValue() == 0) {
            // a bound workload: its IP on any port, and the identity its HBONE server must prove
            SpiffeId workload = identity("listener " + l.getName(), l.getMetadata());
            InetSocketAddress address = socket(l.getAddress().getSocketAddress().toBuilder().setPortValue(1).build());
            return new CompiledListener(l.getName(), new InetSocketAddress(address.getAddress(), 0), authorization,
                    hcm.getRds().getRouteConfigName(), faults, workload);
        }
        InetSocketAddress address = l.hasAddress() && l.getAddress().hasSocketAddress() ? socket(l.getAddress().getSocketAddress()) : null;
        return new CompiledListener(l.getName(), address, authorization, hcm.getRds().getRouteConfigName(), faults, null);
    }

    /**
     * Envoy's tcp_proxy {@code idle_timeout} when the field is unset: "If not set, the default idle
     * timeout is 1 hour. If set to 0s, the timeout will be disabled" (envoyproxy/envoy
     * {@code api/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto}).
     */
    public static final java.time.Duration TCP_IDLE_TIMEOUT_DEFAULT = java.time.Duration.ofHours(1);

    /**
     * A TCP port: one filter chain of network RBAC filters then a TCP proxy to one cluster, on the
     * service's {@code VIP:port}. Anything else in the chain (TLS, filter chain matches, weighted
     * clusters, other filters) is refused.
     */
    private static CompiledListener tcpListener(Listener l) {
        if (l.getFilterChainsCount() != 1 || !l.hasAddress() || !l.getAddress().hasSocketAddress()) {
            throw new ConfigException("listener " + l.getName() + ": a TCP listener needs an address and exactly one filter chain");
        }
        var chain = l.getFilterChains(0);
        if (chain.hasFilterChainMatch() || chain.hasTransportSocket()) {
            throw new ConfigException("listener " + l.getName() + ": filter chain matches and transport sockets are not supported");
        }
        List<RbacEngine> authorization = new ArrayList<>();
        String cluster = null;
        java.time.Duration idle = TCP_IDLE_TIMEOUT_DEFAULT;
        for (var f : chain.getFiltersList()) {
            if (cluster != null) {
                throw new ConfigException("listener " + l.getName() + ": filter " + f.getName() + " after the TCP proxy");
            }
            switch (f.getName()) {
                case NETWORK_RBAC -> {
                    try {
                        // the same rules the HTTP filter carries: compiled by the one engine
                        authorization.add(RbacEngine.compileNetwork(f.getTypedConfig()));
                    } catch (RbacConfigException e) {
                        throw new ConfigException("listener " + l.getName() + ": " + e.getMessage());
                    }
                }
                case TCP_PROXY -> {
                    var tcp = unpack(f.getTypedConfig(), io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.class);
                    if (!tcp.hasCluster() || tcp.getCluster().isEmpty() || tcp.hasTunnelingConfig()) {
                        throw new ConfigException("listener " + l.getName() + ": the TCP proxy must name one cluster (weighted clusters and "
                                + "tunneling are not supported)");
                    }
                    cluster = tcp.getCluster();
                    if (tcp.hasIdleTimeout()) {
                        // Istio sets it from a DestinationRule's connectionPool.tcp.idleTimeout (else the
                        // proxy's IDLE_TIMEOUT metadata, usually unset): listener_waypoint.go buildWaypointNetworkFilters
                        idle = java.time.Duration.ofSeconds(tcp.getIdleTimeout().getSeconds(), tcp.getIdleTimeout().getNanos());
                        if (idle.isNegative()) {
                            throw new ConfigException("listener " + l.getName() + ": the TCP proxy's idle_timeout is negative");
                        }
                    }
                }
                default -> throw new ConfigException("listener " + l.getName() + ": network filter " + f.getName() + " is not supported");
            }
        }
        if (cluster == null) {
            throw new ConfigException("listener " + l.getName() + " has no TCP proxy filter");
        }
        return new CompiledListener(l.getName(), socket(l.getAddress().getSocketAddress()), authorization, null, false, null, cluster, idle);
    }

    /** The shared RBAC engine's refusal as this listener's NACK. */
    private static RbacEngine rbac(String listener, HttpFilter f) {
        try {
            return RbacEngine.compile(f.getTypedConfig());
        } catch (RbacConfigException e) {
            throw new ConfigException("listener " + listener + ": " + e.getMessage());
        }
    }

    public static RouteTable routes(RouteConfiguration config) {
        try {
            return RouteTable.compile(config);
        } catch (RouteConfigException e) {
            throw new ConfigException("route configuration " + config.getName() + ": " + e.getMessage());
        }
    }

    /**
     * An EDS cluster's policy: connect timeout, ROUND_ROBIN / LEAST_REQUEST / RANDOM, consecutive
     * 5xx and gateway-failure outlier detection, the healthy-panic threshold and the circuit
     * breaker's {@code max_requests} (default priority). Other balancers, success-rate or
     * failure-percentage ejection and other circuit-breaker priorities are refused.
     */
    public static ClusterPolicy clusterPolicy(Cluster c) {
        if (c.getType() == Cluster.DiscoveryType.ORIGINAL_DST) {
            // Istio's encap cluster: no endpoints of its own, so nothing to balance, eject or limit
            if (c.getLbPolicy() != Cluster.LbPolicy.CLUSTER_PROVIDED || c.hasOutlierDetection()) {
                throw new ConfigException("cluster " + c.getName() + ": an ORIGINAL_DST cluster needs lb policy CLUSTER_PROVIDED"
                        + " and no outlier detection");
            }
            Duration connect = c.hasConnectTimeout() ? Duration.ofSeconds(c.getConnectTimeout().getSeconds(), c.getConnectTimeout().getNanos())
                    : Duration.ofSeconds(5);
            return new ClusterPolicy(connect, ClusterPolicy.Lb.ORIGINAL_DST, null, 0, ClusterPolicy.UNLIMITED);
        }
        if (c.getType() != Cluster.DiscoveryType.EDS) {
            throw new ConfigException("cluster " + c.getName() + ": discovery type " + c.getType() + " is not supported (EDS only)");
        }
        ClusterPolicy.Lb lb = switch (c.getLbPolicy()) {
            case ROUND_ROBIN -> ClusterPolicy.Lb.ROUND_ROBIN;
            case LEAST_REQUEST -> ClusterPolicy.Lb.LEAST_REQUEST;
            case RANDOM -> ClusterPolicy.Lb.RANDOM;
            default -> throw new ConfigException("cluster " + c.getName() + ": lb policy " + c.getLbPolicy()
                    + " is not supported (ROUND_ROBIN, LEAST_REQUEST, RANDOM)");
        };
        Duration connect = c.hasConnectTimeout() ? Duration.ofSeconds(c.getConnectTimeout().getSeconds(), c.getConnectTimeout().getNanos())
                : Duration.ofSeconds(5); // Envoy's default
        ClusterPolicy.Outlier outlier = c.hasOutlierDetection() ? outlier(c.getName(), c.getOutlierDetection()) : null;
        double panic = c.hasCommonLbConfig() && c.getCommonLbConfig().hasHealthyPanicThreshold()
                ? c.getCommonLbConfig().getHealthyPanicThreshold().getValue() : 50;
        long maxRequests = 1024; // Envoy's default
        for (var t : c.getCircuitBreakers().getThresholdsList()) {
            if (t.getPriority() != io.envoyproxy.envoy.config.core.v3.RoutingPriority.DEFAULT) {
                throw new ConfigException("cluster " + c.getName() + ": circuit breakers of priority " + t.getPriority() + " are not supported");
            }
            if (t.hasMaxRequests()) {
                maxRequests = Integer.toUnsignedLong(t.getMaxRequests().getValue());
            }
        }
        return new ClusterPolicy(connect, lb, outlier, panic, maxRequests);
    }

    private static ClusterPolicy.Outlier outlier(String cluster, io.envoyproxy.envoy.config.cluster.v3.OutlierDetection o) {
        // success-rate ejection is on in Envoy unless enforcing_success_rate is 0 (istiod always sends 0)
        if (!o.hasEnforcingSuccessRate() || o.getEnforcingSuccessRate().getValue() != 0
                || o.hasEnforcingFailurePercentage() && o.getEnforcingFailurePercentage().getValue() != 0
                || o.getSplitExternalLocalOriginErrors()) {
            throw new ConfigException("cluster " + cluster + ": only consecutive 5xx and gateway-failure outlier detection is supported");
        }
        // Envoy's defaults: 5 consecutive 5xx enforced at 100 %, gateway failures counted but enforced at 0 %
        int c5xx = o.hasConsecutive5Xx() ? o.getConsecutive5Xx().getValue() : 5;
        int e5xx = o.hasEnforcingConsecutive5Xx() ? o.getEnforcingConsecutive5Xx().getValue() : 100;
        int cGw = o.hasConsecutiveGatewayFailure() ? o.getConsecutiveGatewayFailure().getValue() : 5;
        int eGw = o.hasEnforcingConsecutiveGatewayFailure() ? o.getEnforcingConsecutiveGatewayFailure().getValue() : 0;
        Duration base = o.hasBaseEjectionTime() ? RetryPolicyDurations.of(o.getBaseEjectionTime()) : Duration.ofSeconds(30);
        Duration max = o.hasMaxEjectionTime() ? RetryPolicyDurations.of(o.getMaxEjectionTime()) : Duration.ofSeconds(300);
        int maxPercent = o.hasMaxEjectionPercent() ? o.getMaxEjectionPercent().getValue() : 10;
        return new ClusterPolicy.Outlier(c5xx, e5xx, cGw, eGw, base, max.compareTo(base) < 0 ? base : max, maxPercent);
    }

    /** Protobuf durations. */
    private static final class RetryPolicyDurations {
        static Duration of(com.google.protobuf.Duration d) {
            return Duration.ofSeconds(d.getSeconds(), d.getNanos());
        }
    }

    /** Where the control plane puts an endpoint's expected identity (xds-server's {@code WaypointL7Translator}). */
    static final String HBONE_METADATA = "ambit.hbone";
    static final String IDENTITY_FIELD = "identity";

    /**
     * Each endpoint's address and the SPIFFE identity its HBONE server must present. An endpoint
     * without one is refused: the waypoint would otherwise accept any workload of the trust domain
     * answering at that address (a stale or hijacked pod IP).
     */
    public static java.util.Map<InetSocketAddress, SpiffeId> endpoints(ClusterLoadAssignment cla) {
        java.util.Map<InetSocketAddress, SpiffeId> out = new java.util.LinkedHashMap<>();
        for (LocalityLbEndpoints locality : cla.getEndpointsList()) {
            for (LbEndpoint e : locality.getLbEndpointsList()) {
                if (!e.hasEndpoint() || !e.getEndpoint().getAddress().hasSocketAddress()) {
                    throw new ConfigException("endpoints " + cla.getClusterName() + ": an endpoint without a socket address");
                }
                InetSocketAddress address = socket(e.getEndpoint().getAddress().getSocketAddress());
                SpiffeId identity = identity(cla.getClusterName(), address, e);
                SpiffeId before = out.put(address, identity);
                if (before != null && !before.equals(identity)) {
                    throw new ConfigException("endpoints " + cla.getClusterName() + ": " + address + " listed as both " + before + " and " + identity);
                }
            }
        }
        return out;
    }

    private static SpiffeId identity(String cluster, InetSocketAddress address, LbEndpoint e) {
        return identity("endpoints " + cluster + ": " + address, e.getMetadata());
    }

    /** {@code filter_metadata["ambit.hbone"].identity} of an endpoint or a workload listener; {@code what} names it in errors. */
    private static SpiffeId identity(String what, io.envoyproxy.envoy.config.core.v3.Metadata metadata) {
        com.google.protobuf.Struct hbone = metadata.getFilterMetadataMap().get(HBONE_METADATA);
        com.google.protobuf.Value value = hbone == null ? null : hbone.getFieldsMap().get(IDENTITY_FIELD);
        if (value == null || value.getStringValue().isEmpty()) {
            throw new ConfigException(what + " has no metadata " + HBONE_METADATA + "." + IDENTITY_FIELD
                    + " (the SPIFFE identity its HBONE server must present)");
        }
        try {
            SpiffeId id = SpiffeId.parse(value.getStringValue());
            if (id.path().isEmpty()) {
                throw new ConfigException(what + ": identity " + id + " names a trust domain, not a workload");
            }
            return id;
        } catch (io.ambit.identity.InvalidSpiffeIdException ex) {
            throw new ConfigException(what + ": identity is not a SPIFFE id: " + ex.getMessage());
        }
    }

    private static InetSocketAddress socket(SocketAddress a) {
        String ip = a.getAddress();
        if (!io.netty.util.NetUtil.isValidIpV4Address(ip) && !io.netty.util.NetUtil.isValidIpV6Address(ip)) {
            throw new ConfigException("address \"" + ip + "\" is not an IP literal");
        }
        if (a.getPortValue() < 1 || a.getPortValue() > 65535) {
            throw new ConfigException("port " + a.getPortValue() + " is out of range");
        }
        return new InetSocketAddress(io.netty.util.NetUtil.createInetAddressFromIpAddressString(ip), a.getPortValue());
    }
}
