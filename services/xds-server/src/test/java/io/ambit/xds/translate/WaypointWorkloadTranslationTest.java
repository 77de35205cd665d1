package io.ambit.xds.translate;

import static io.ambit.xds.translate.WaypointL7TranslatorTest.unpack;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import org.junit.jupiter.api.Test;

/** {@code translate/l7-workload.yaml}: a waypoint for workload traffic gets Istio's direct-http chain per bound pod. */
class WaypointWorkloadTranslationTest {

    private final WaypointL7Translator.Result result = WaypointL7Translator.translate(Fixtures.load("l7-workload.yaml"));
    private final WaypointConfig waypoint = result.waypoints().get("sa/reviews-wp");

    @Test
    void aBoundPodGetsADirectChainOnItsIpWithItsIdentityAndTheWaypointsPolicies() {
        // the Service's use-waypoint names a workload-only waypoint: no service listener; the waypoint's own pod is never bound
        assertThat(waypoint.listeners()).extracting(Listener::getName).containsExactly("direct-http|sa/reviews-a");
        Listener direct = waypoint.listeners().getFirst();
        assertThat(direct.getAddress().getSocketAddress().getAddress()).isEqualTo("10.244.0.31");
        assertThat(direct.getAddress().getSocketAddress().getPortValue()).isZero();
        assertThat(direct.getMetadata().getFilterMetadataOrThrow(WaypointL7Translator.HBONE_METADATA)
                .getFieldsOrThrow(WaypointL7Translator.IDENTITY_FIELD).getStringValue())
                .isEqualTo("spiffe://cluster.local/ns/sa/sa/reviews");
        HttpConnectionManager hcm = unpack(direct.getApiListener().getApiListener(), HttpConnectionManager.class);
        assertThat(hcm.getRds().getRouteConfigName()).isEqualTo("direct-http");
        assertThat(hcm.getHttpFiltersList()).extracting(f -> f.getName())
                .containsExactly("envoy.filters.http.rbac", "envoy.filters.http.router");
    }

    @Test
    void oneCatchAllRouteToTheOriginalDestinationCluster() {
        RouteConfiguration routes = waypoint.routes().getFirst();
        assertThat(waypoint.routes()).hasSize(1);
        assertThat(routes.getName()).isEqualTo("direct-http");
        assertThat(routes.getVirtualHosts(0).getDomainsList()).containsExactly("*");
        assertThat(routes.getVirtualHosts(0).getRoutes(0).getRoute().getCluster()).isEqualTo("encap");
        assertThat(waypoint.clusters()).extracting(Cluster::getName).containsExactly("encap");
        assertThat(waypoint.clusters().getFirst().getType()).isEqualTo(Cluster.DiscoveryType.ORIGINAL_DST);
        assertThat(waypoint.endpoints()).isEmpty();
    }
}
