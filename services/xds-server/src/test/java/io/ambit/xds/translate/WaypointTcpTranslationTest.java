package io.ambit.xds.translate;

import static io.ambit.xds.translate.WaypointL7TranslatorTest.unpack;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.stream.Collectors;

import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import org.junit.jupiter.api.Test;

/** {@code translate/l7-tcp.yaml}: ports that are not HTTP, by Istio's protocol selection, get a TCP chain with L4 policy. */
class WaypointTcpTranslationTest {

    private final WaypointL7Translator.Result result = WaypointL7Translator.translate(Fixtures.load("l7-tcp.yaml"));
    private final WaypointConfig waypoint = result.waypoints().get("db/waypoint");
    private final Map<String, Listener> listeners = waypoint.listeners().stream().collect(Collectors.toMap(Listener::getName, l -> l));

    @Test
    void protocolIsSelectedByAppProtocolThenPortNamePrefixAsIstioDoes() {
        assertThat(PortProtocol.of(port("http-admin", null, 8080, null))).isEqualTo(PortProtocol.HTTP);
        assertThat(PortProtocol.of(port("grpc-web-x", null, 80, null))).isEqualTo(PortProtocol.HTTP);
        assertThat(PortProtocol.of(port("GRPC", null, 80, null))).isEqualTo(PortProtocol.HTTP);
        assertThat(PortProtocol.of(port("tcp-pg", null, 5432, null))).isEqualTo(PortProtocol.TCP);
        assertThat(PortProtocol.of(port("http", "tcp", 80, null))).as("appProtocol wins").isEqualTo(PortProtocol.TCP);
        assertThat(PortProtocol.of(port("other", null, 3306, null))).as("well-known MySQL port").isEqualTo(PortProtocol.TCP);
        assertThat(PortProtocol.of(port("other", null, 3307, null))).isEqualTo(PortProtocol.UNSUPPORTED);
        assertThat(PortProtocol.of(port(null, null, 80, null))).isEqualTo(PortProtocol.UNSUPPORTED);
        assertThat(PortProtocol.of(port("dns", null, 53, "UDP"))).isEqualTo(PortProtocol.UDP);
    }

    @Test
    void tcpPortsGetATcpProxyChainHttpAndUnknownPortsTheHttpChainUdpNone() {
        String host = "pg.db.svc.cluster.local";
        assertThat(listeners).containsOnlyKeys(host + ":8080", host + ":5432", host + ":8443", host + ":3306");
        Listener tcp = listeners.get(host + ":5432");
        assertThat(tcp.hasApiListener()).isFalse();
        assertThat(tcp.getAddress().getSocketAddress().getAddress()).isEqualTo("10.96.0.61");
        assertThat(tcp.getFilterChainsList()).singleElement().satisfies(chain -> {
            assertThat(chain.getName()).isEqualTo("inbound-vip|5432|tcp|" + host);
            assertThat(chain.getFiltersList()).extracting(f -> f.getName())
                    .containsExactly("envoy.filters.network.rbac", "envoy.filters.network.rbac", "envoy.filters.network.tcp_proxy");
            assertThat(unpack(chain.getFilters(2).getTypedConfig(), TcpProxy.class).getCluster()).isEqualTo("outbound|5432||" + host);
        });
        assertThat(listeners.get(host + ":8443").hasApiListener()).isFalse();
        assertThat(listeners.get(host + ":3306").hasApiListener()).isFalse();
        assertThat(listeners.get(host + ":8080").hasApiListener()).isTrue();
        // a TCP port has no routes, only its cluster and endpoints
        assertThat(waypoint.routes()).extracting(RouteConfiguration::getName).containsExactly("outbound|8080||" + host);
        assertThat(waypoint.endpoints()).extracting(e -> e.getClusterName()).contains("outbound|5432||" + host);
    }

    @Test
    void onATcpPortAnAllowRuleWithHttpAttributesIsLeftOutAndADenyRuleLosesThem() {
        var chain = listeners.get("pg.db.svc.cluster.local:5432").getFilterChains(0);
        var deny = unpack(chain.getFilters(0).getTypedConfig(), io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.class).getRules();
        var allow = unpack(chain.getFilters(1).getTypedConfig(), io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.class).getRules();
        // ALLOW: only the rule without a method survives (fail closed: allows less)
        assertThat(allow.getPoliciesMap()).containsOnlyKeys("ns[db]-policy[allow-readers]-rule[0]");
        // DENY: the path is dropped, so every connection from "untrusted" is denied (fail closed: denies more)
        assertThat(deny.getPoliciesMap().get("ns[db]-policy[deny-admin-paths]-rule[0]").getPermissions(0).toString())
                .doesNotContain("url_path").doesNotContain("/admin");
        assertThat(result.findings()).anySatisfy(f -> assertThat(f.message()).contains("on a TCP port").contains("allows less"));
        assertThat(result.findings()).anySatisfy(f -> assertThat(f.message()).contains("on a TCP port").contains("denies more"));
        // the HTTP port keeps both rules whole
        var http = unpack(listeners.get("pg.db.svc.cluster.local:8080").getApiListener().getApiListener(),
                io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.class);
        var httpAllow = unpack(http.getHttpFilters(1).getTypedConfig(), io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class).getRules();
        assertThat(httpAllow.getPoliciesMap()).hasSize(2);
    }

    private static io.fabric8.kubernetes.api.model.ServicePort port(String name, String appProtocol, int port, String protocol) {
        return new ServicePortBuilder().withName(name).withAppProtocol(appProtocol).withPort(port).withProtocol(protocol).build();
    }
}
