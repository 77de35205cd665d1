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
import io.ambit.waypoint.route.RouteTable;
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

    /** A listener as compiled: where it listens, its authorization filters and its route table name. */
    public record CompiledListener(String name, InetSocketAddress address, List<RbacEngine> authorization, String routeConfig) {
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
    public static CompiledListener listener(Listener l) {
        if (!l.hasApiListener()) {
            throw new ConfigException("listener " + l.getName() + " has no api_listener; the waypoint serves HTTP connection managers only");
        }
        HttpConnectionManager hcm = unpack(l.getApiListener().getApiListener(), HttpConnectionManager.class);
        if (!hcm.hasRds() || hcm.getRds().getRouteConfigName().isEmpty()) {
            throw new ConfigException("listener " + l.getName() + ": only RDS route configurations are supported");
        }
        List<RbacEngine> authorization = new ArrayList<>();
        boolean router = false;
        for (HttpFilter f : hcm.getHttpFiltersList()) {
            if (router) {
                throw new ConfigException("listener " + l.getName() + ": filter " + f.getName() + " after the router");
            }
            switch (f.getName()) {
                case RBAC -> authorization.add(rbac(l.getName(), f));
                case ROUTER -> router = true;
                default -> throw new ConfigException("listener " + l.getName() + ": HTTP filter " + f.getName() + " is not supported");
            }
        }
        if (!router) {
            throw new ConfigException("listener " + l.getName() + " has no router filter");
        }
        InetSocketAddress address = l.hasAddress() && l.getAddress().hasSocketAddress() ? socket(l.getAddress().getSocketAddress()) : null;
        return new CompiledListener(l.getName(), address, authorization, hcm.getRds().getRouteConfigName());
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
        } catch (ConfigException e) {
            throw new ConfigException("route configuration " + config.getName() + ": " + e.getMessage());
        }
    }

    public static Duration connectTimeout(Cluster c) {
        if (c.getType() != Cluster.DiscoveryType.EDS) {
            throw new ConfigException("cluster " + c.getName() + ": discovery type " + c.getType() + " is not supported (EDS only)");
        }
        if (c.getLbPolicy() != Cluster.LbPolicy.ROUND_ROBIN) {
            throw new ConfigException("cluster " + c.getName() + ": lb policy " + c.getLbPolicy() + " is not supported (round robin only)");
        }
        return c.hasConnectTimeout() ? Duration.ofSeconds(c.getConnectTimeout().getSeconds(), c.getConnectTimeout().getNanos())
                : Duration.ofSeconds(5); // Envoy's default
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
        com.google.protobuf.Struct hbone = e.getMetadata().getFilterMetadataMap().get(HBONE_METADATA);
        com.google.protobuf.Value value = hbone == null ? null : hbone.getFieldsMap().get(IDENTITY_FIELD);
        if (value == null || value.getStringValue().isEmpty()) {
            throw new ConfigException("endpoints " + cluster + ": " + address + " has no metadata " + HBONE_METADATA + "." + IDENTITY_FIELD
                    + " (the SPIFFE identity its HBONE server must present)");
        }
        try {
            SpiffeId id = SpiffeId.parse(value.getStringValue());
            if (id.path().isEmpty()) {
                throw new ConfigException("endpoints " + cluster + ": " + address + ": identity " + id + " names a trust domain, not a workload");
            }
            return id;
        } catch (io.ambit.identity.InvalidSpiffeIdException ex) {
            throw new ConfigException("endpoints " + cluster + ": " + address + ": identity is not a SPIFFE id: " + ex.getMessage());
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
