package io.ambit.gatewayapi.envoy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import io.ambit.gatewayapi.istio.DestinationRuleSpec;
import io.ambit.gatewayapi.istio.IstioSpecs;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import org.junit.jupiter.api.Test;

class TrafficPoliciesTest {

    private static final Cluster BASE = Cluster.newBuilder().setName("outbound|80||b").setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN).build();

    private static Cluster apply(Map<String, Object> trafficPolicy) {
        return TrafficPolicies.apply(BASE, IstioSpecs.bind(Map.of("host", "b", "trafficPolicy", trafficPolicy), DestinationRuleSpec.class)
                .trafficPolicy());
    }

    @Test
    void loadBalancerNamesMapAsIstiod() {
        assertThat(apply(Map.of("loadBalancer", Map.of("simple", "LEAST_REQUEST"))).getLbPolicy()).isEqualTo(Cluster.LbPolicy.LEAST_REQUEST);
        assertThat(apply(Map.of("loadBalancer", Map.of("simple", "LEAST_CONN"))).getLbPolicy()).isEqualTo(Cluster.LbPolicy.LEAST_REQUEST);
        assertThat(apply(Map.of("loadBalancer", Map.of("simple", "ROUND_ROBIN"))).getLbPolicy()).isEqualTo(Cluster.LbPolicy.ROUND_ROBIN);
        assertThat(apply(Map.of("loadBalancer", Map.of("simple", "UNSPECIFIED"))).getLbPolicy()).isEqualTo(Cluster.LbPolicy.ROUND_ROBIN);
        assertThatThrownBy(() -> apply(Map.of("loadBalancer", Map.of("simple", "PASSTHROUGH")))).hasMessageContaining("PASSTHROUGH");
    }

    @Test
    void outlierDetectionAsIstiodWritesIt() {
        Cluster c = apply(Map.of("outlierDetection", Map.of("consecutive5xxErrors", 3, "consecutiveGatewayErrors", 0,
                "interval", "10s", "baseEjectionTime", "30s", "maxEjectionPercent", 50)));
        var od = c.getOutlierDetection();
        assertThat(od.getEnforcingSuccessRate().getValue()).isZero();
        assertThat(od.getConsecutive5Xx().getValue()).isEqualTo(3);
        assertThat(od.getEnforcingConsecutive5Xx().getValue()).isEqualTo(100);
        assertThat(od.getConsecutiveGatewayFailure().getValue()).isZero();
        assertThat(od.getEnforcingConsecutiveGatewayFailure().getValue()).isZero();
        assertThat(od.getInterval().getSeconds()).isEqualTo(10);
        assertThat(od.getBaseEjectionTime().getSeconds()).isEqualTo(30);
        assertThat(od.getMaxEjectionPercent().getValue()).isEqualTo(50);
        assertThat(c.getCommonLbConfig().getHealthyPanicThreshold().getValue()).isZero(); // Envoy's 50 % panic mode off
    }

    @Test
    void connectionPoolLimitsStartFromIstiodsUnlimitedDefaults() {
        Cluster c = apply(Map.of("connectionPool", Map.of("tcp", Map.of("maxConnections", 10, "connectTimeout", "2s"),
                "http", Map.of("http2MaxRequests", 5, "http1MaxPendingRequests", 0))));
        var t = c.getCircuitBreakers().getThresholds(0);
        assertThat(t.getMaxConnections().getValue()).isEqualTo(10);
        assertThat(t.getMaxRequests().getValue()).isEqualTo(5);
        assertThat(Integer.toUnsignedLong(t.getMaxPendingRequests().getValue())).isEqualTo(0xFFFF_FFFFL); // 0 means unset, as istiod reads it
        assertThat(Integer.toUnsignedLong(t.getMaxRetries().getValue())).isEqualTo(0xFFFF_FFFFL);
        assertThat(c.getConnectTimeout().getSeconds()).isEqualTo(2);
    }

    @Test
    void badValuesNameTheirField() {
        assertThatThrownBy(() -> apply(Map.of("outlierDetection", Map.of("consecutive5xxErrors", -1)))).hasMessageContaining("consecutive5xxErrors");
        assertThatThrownBy(() -> apply(Map.of("outlierDetection", Map.of("interval", "10")))).hasMessageContaining("outlierDetection.interval");
        assertThatThrownBy(() -> apply(Map.of("outlierDetection", Map.of("maxEjectionPercent", 101)))).hasMessageContaining("maxEjectionPercent");
        assertThatThrownBy(() -> IstioSpecs.bind(Map.of("subsets", java.util.List.of()), DestinationRuleSpec.class)).hasMessageContaining("subsets");
    }
}
