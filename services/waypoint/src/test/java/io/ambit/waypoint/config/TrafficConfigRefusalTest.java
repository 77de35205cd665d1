package io.ambit.waypoint.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.ambit.l7.route.CompiledRoute;
import org.junit.jupiter.api.Test;

/** Fault and traffic-policy configuration the waypoint cannot honour is refused (NACK) with the reason, never half-applied. */
class TrafficConfigRefusalTest {

    private static Route faulty(HTTPFault fault) {
        return Route.newBuilder().setName("r").setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(RouteAction.newBuilder().setCluster("c")).putTypedPerFilterConfig("envoy.filters.http.fault", Any.pack(fault)).build();
    }

    @Test
    void faultsBeyondDelayAndAbortAreRefused() {
        assertThatThrownBy(() -> CompiledRoute.compile(faulty(HTTPFault.newBuilder().setUpstreamCluster("x").build())))
                .hasMessageContaining("route r: envoy.filters.http.fault: only delay and abort");
        assertThatThrownBy(() -> CompiledRoute.compile(faulty(HTTPFault.newBuilder().setAbort(FaultAbort.newBuilder().setHttpStatus(99)).build())))
                .hasMessageContaining("http_status 99");
        assertThatThrownBy(() -> CompiledRoute.compile(faulty(HTTPFault.newBuilder()
                .setAbort(FaultAbort.newBuilder().setHeaderAbort(FaultAbort.HeaderAbort.getDefaultInstance())).build())))
                .hasMessageContaining("HEADER_ABORT");
        Route notAFault = faulty(HTTPFault.getDefaultInstance()).toBuilder()
                .putTypedPerFilterConfig("envoy.filters.http.fault", Any.pack(Router.getDefaultInstance())).build();
        assertThatThrownBy(() -> CompiledRoute.compile(notAFault)).hasMessageContaining("not an HTTPFault");
        assertThat(CompiledRoute.compile(faulty(HTTPFault.getDefaultInstance())).fault().aborts()).isFalse();
    }

    private static Listener listener(HttpFilter... filters) {
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder().setRds(Rds.newBuilder().setRouteConfigName("r"))
                .addAllHttpFilters(java.util.List.of(filters))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router").setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        return Listener.newBuilder().setName("h:80").setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm))).build();
    }

    @Test
    void aListenerLevelFaultOrRbacAfterTheFaultFilterIsRefused() {
        HttpFilter emptyFault = HttpFilter.newBuilder().setName("envoy.filters.http.fault").setTypedConfig(Any.pack(HTTPFault.getDefaultInstance())).build();
        assertThat(ResourceCompiler.listener(listener(emptyFault)).faults()).isTrue();
        HttpFilter ownFault = HttpFilter.newBuilder().setName("envoy.filters.http.fault").setTypedConfig(Any.pack(HTTPFault.newBuilder()
                .setAbort(FaultAbort.newBuilder().setHttpStatus(503)).build())).build();
        assertThatThrownBy(() -> ResourceCompiler.listener(listener(ownFault))).hasMessageContaining("faults are configured per route");
        HttpFilter rbac = HttpFilter.newBuilder().setName("envoy.filters.http.rbac").setTypedConfig(Any.pack(RBAC.getDefaultInstance())).build();
        assertThatThrownBy(() -> ResourceCompiler.listener(listener(emptyFault, rbac))).hasMessageContaining("RBAC after the fault filter");
    }

    @Test
    void clusterPoliciesTheBalancerCannotFollowAreRefused() {
        Cluster eds = Cluster.newBuilder().setName("c").setType(Cluster.DiscoveryType.EDS).build();
        assertThat(ResourceCompiler.clusterPolicy(eds.toBuilder().setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST).build()).lb())
                .isEqualTo(ClusterPolicy.Lb.LEAST_REQUEST);
        assertThatThrownBy(() -> ResourceCompiler.clusterPolicy(eds.toBuilder().setLbPolicy(Cluster.LbPolicy.MAGLEV).build()))
                .hasMessageContaining("lb policy MAGLEV");
        assertThatThrownBy(() -> ResourceCompiler.clusterPolicy(eds.toBuilder().setOutlierDetection(OutlierDetection.newBuilder()
                .setConsecutive5Xx(UInt32Value.of(3))).build()))
                .as("success-rate ejection is on unless turned off").hasMessageContaining("only consecutive 5xx");
        ClusterPolicy p = ResourceCompiler.clusterPolicy(eds.toBuilder().setOutlierDetection(OutlierDetection.newBuilder()
                .setEnforcingSuccessRate(UInt32Value.of(0)).setConsecutive5Xx(UInt32Value.of(3))).build());
        assertThat(p.outlier().consecutive5xx()).isEqualTo(3);
        assertThat(p.outlier().enforcingGatewayFailure()).as("Envoy's default").isZero();
        assertThat(p.panicThresholdPercent()).isEqualTo(50);
    }
}
