package io.ambit.waypoint.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.List;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import org.junit.jupiter.api.Test;

/**
 * The waypoint's front door for TCP listeners, workload (direct) listeners and the ORIGINAL_DST
 * cluster: anything it cannot honour exactly is refused (a NACK, the previous version kept) with
 * the reason, and a store that refused it keeps serving what it had.
 */
class TcpAndWorkloadConfigRefusalTest {

    private static final Address VIP = Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress("10.0.0.20")
            .setPortValue(5432)).build();

    private static Filter tcpProxy(String cluster) {
        return Filter.newBuilder().setName("envoy.filters.network.tcp_proxy")
                .setTypedConfig(Any.pack(TcpProxy.newBuilder().setStatPrefix("s").setCluster(cluster).build())).build();
    }

    private static Listener tcp(FilterChain.Builder chain) {
        return Listener.newBuilder().setName("db:5432").setAddress(VIP).addFilterChains(chain).build();
    }

    @Test
    void aTcpListenerIsNetworkRbacThenOneTcpProxy() {
        var ok = ResourceCompiler.listener(tcp(FilterChain.newBuilder()
                .addFilters(Filter.newBuilder().setName("envoy.filters.network.rbac").setTypedConfig(Any.pack(RBAC.getDefaultInstance())))
                .addFilters(tcpProxy("outbound|5432||db"))));
        assertThat(ok.tcpCluster()).isEqualTo("outbound|5432||db");
        assertThat(ok.address()).isEqualTo(new InetSocketAddress("10.0.0.20", 5432));
        assertThat(ok.authorization()).hasSize(1);
    }

    @Test
    void tcpListenersBeyondThatAreRefusedWithTheReason() {
        assertThatThrownBy(() -> ResourceCompiler.listener(tcp(FilterChain.newBuilder().addFilters(tcpProxy("")))))
                .hasMessageContaining("must name one cluster");
        assertThatThrownBy(() -> ResourceCompiler.listener(tcp(FilterChain.newBuilder().addFilters(tcpProxy("c"))
                .addFilters(Filter.newBuilder().setName("envoy.filters.network.rbac").setTypedConfig(Any.pack(RBAC.getDefaultInstance()))))))
                .hasMessageContaining("after the TCP proxy");
        assertThatThrownBy(() -> ResourceCompiler.listener(tcp(FilterChain.newBuilder()
                .addFilters(Filter.newBuilder().setName("envoy.filters.network.redis_proxy").setTypedConfig(Any.pack(TcpProxy.getDefaultInstance()))))))
                .hasMessageContaining("network filter envoy.filters.network.redis_proxy is not supported");
        assertThatThrownBy(() -> ResourceCompiler.listener(tcp(FilterChain.newBuilder()
                .setTransportSocket(TransportSocket.newBuilder().setName("tls")).addFilters(tcpProxy("c")))))
                .hasMessageContaining("transport sockets are not supported");
        assertThatThrownBy(() -> ResourceCompiler.listener(tcp(FilterChain.newBuilder()
                .addFilters(Filter.newBuilder().setName("envoy.filters.network.rbac").setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .addFilters(tcpProxy("c")))))
                .hasMessageContaining("not a RBAC");
        assertThatThrownBy(() -> ResourceCompiler.listener(Listener.newBuilder().setName("db:5432").addFilterChains(FilterChain.newBuilder()
                .addFilters(tcpProxy("c"))).build()))
                .hasMessageContaining("needs an address");
        assertThatThrownBy(() -> ResourceCompiler.listener(Listener.newBuilder().setName("empty").build()))
                .hasMessageContaining("neither an api_listener");
    }

    private static Listener direct(io.envoyproxy.envoy.config.core.v3.Metadata metadata) {
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder().setRds(Rds.newBuilder().setRouteConfigName("direct-http"))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router").setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        return Listener.newBuilder().setName("direct-http|ns/pod").setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder()
                        .setAddress("10.244.1.5").setPortValue(0)))
                .setMetadata(metadata).setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm))).build();
    }

    private static io.envoyproxy.envoy.config.core.v3.Metadata identity(String id) {
        return io.envoyproxy.envoy.config.core.v3.Metadata.newBuilder().putFilterMetadata("ambit.hbone", com.google.protobuf.Struct.newBuilder()
                .putFields("identity", com.google.protobuf.Value.newBuilder().setStringValue(id).build()).build()).build();
    }

    @Test
    void aWorkloadListenerMustNameTheIdentityOfItsPod() {
        var ok = ResourceCompiler.listener(direct(identity("spiffe://cluster.local/ns/ns/sa/reviews")));
        assertThat(ok.direct()).isTrue();
        assertThat(ok.workload().toString()).isEqualTo("spiffe://cluster.local/ns/ns/sa/reviews");
        assertThatThrownBy(() -> ResourceCompiler.listener(direct(io.envoyproxy.envoy.config.core.v3.Metadata.getDefaultInstance())))
                .hasMessageContaining("has no metadata ambit.hbone.identity");
        assertThatThrownBy(() -> ResourceCompiler.listener(direct(identity("not a spiffe id"))))
                .hasMessageContaining("not a SPIFFE id");
        assertThatThrownBy(() -> ResourceCompiler.listener(direct(identity("spiffe://cluster.local"))))
                .hasMessageMatching("(?s).*(names a trust domain|is not a SPIFFE id).*");
    }

    @Test
    void anOriginalDestinationClusterHasNothingToBalanceOrEject() {
        Cluster encap = Cluster.newBuilder().setName("encap").setType(Cluster.DiscoveryType.ORIGINAL_DST)
                .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED).build();
        assertThat(ResourceCompiler.clusterPolicy(encap).lb()).isEqualTo(ClusterPolicy.Lb.ORIGINAL_DST);
        assertThatThrownBy(() -> ResourceCompiler.clusterPolicy(encap.toBuilder().setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN).build()))
                .hasMessageContaining("CLUSTER_PROVIDED");
        assertThatThrownBy(() -> ResourceCompiler.clusterPolicy(encap.toBuilder().setOutlierDetection(OutlierDetection.getDefaultInstance()).build()))
                .hasMessageContaining("no outlier detection");
    }

    @Test
    void aRefusedListenerLeavesTheStoreServingWhatItHad() {
        WaypointConfigStore store = new WaypointConfigStore();
        Listener good = tcp(FilterChain.newBuilder().addFilters(tcpProxy("c")));
        var rejected = store.apply(new io.ambit.xdsclient.XdsUpdate(io.ambit.xdsclient.XdsTypes.LISTENER,
                List.of(new io.ambit.xdsclient.XdsUpdate.Resource("db:5432", "1", Any.pack(good))), List.of()));
        assertThat(rejected).isEmpty();
        assertThat(store.snapshot().chain(new InetSocketAddress("10.0.0.20", 5432))).hasValueSatisfying(c -> assertThat(c.tcp()).isTrue());
        Listener bad = tcp(FilterChain.newBuilder().addFilters(tcpProxy("")));
        rejected = store.apply(new io.ambit.xdsclient.XdsUpdate(io.ambit.xdsclient.XdsTypes.LISTENER,
                List.of(new io.ambit.xdsclient.XdsUpdate.Resource("db:5432", "2", Any.pack(bad))), List.of()));
        assertThat(rejected).singleElement().satisfies(r -> assertThat(r.reason()).contains("must name one cluster"));
        assertThat(store.snapshot().chain(new InetSocketAddress("10.0.0.20", 5432))).hasValueSatisfying(c -> assertThat(c.tcpCluster()).isEqualTo("c"));
    }
}
