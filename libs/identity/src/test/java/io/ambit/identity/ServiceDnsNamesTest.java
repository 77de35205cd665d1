package io.ambit.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ServiceDnsNamesTest {

    @Test
    void namesAServiceAsClusterDnsDoes() {
        assertThat(ServiceDnsNames.of("xds-server", "istio-system", "cluster.local"))
                .containsExactly("xds-server.istio-system.svc", "xds-server.istio-system.svc.cluster.local");
    }

    @Test
    void addsTheIstiodAliasOnlyWhenAsked() {
        assertThat(ServiceDnsNames.controlPlane("ca-service", "istio-system", "cluster.local", false))
                .containsExactly("ca-service.istio-system.svc", "ca-service.istio-system.svc.cluster.local", "localhost");
        assertThat(ServiceDnsNames.controlPlane("ca-service", "istio-system", "cluster.local", true))
                .contains("istiod.istio-system.svc", "istiod.istio-system.svc.cluster.local");
    }

    @Test
    void refusesWildcardsUpperCaseAndOverlongNames() {
        assertThatThrownBy(() -> ServiceDnsNames.requireValid("*.istio-system.svc")).hasMessageContaining("no wildcard");
        assertThatThrownBy(() -> ServiceDnsNames.requireValid("Istiod.istio-system.svc")).hasMessageContaining("not lower case");
        assertThatThrownBy(() -> ServiceDnsNames.requireValid("a".repeat(64) + ".svc")).hasMessageContaining("invalid label");
        assertThatThrownBy(() -> ServiceDnsNames.requireValid("a.".repeat(127) + "a")).hasMessageContaining("longer than 253");
        assertThatThrownBy(() -> ServiceDnsNames.requireValid("a..b")).hasMessageContaining("invalid label ''");
        assertThatThrownBy(() -> ServiceDnsNames.requireValid("")).hasMessageContaining("empty");
    }

    @Test
    void tellsServiceNamesOfANamespaceFromOthers() {
        assertThat(ServiceDnsNames.isServiceOf("istiod.istio-system.svc", "istio-system", "cluster.local")).isTrue();
        assertThat(ServiceDnsNames.isServiceOf("istiod.istio-system.svc.cluster.local", "istio-system", "cluster.local")).isTrue();
        assertThat(ServiceDnsNames.isServiceOf("istiod.demo.svc", "istio-system", "cluster.local")).isFalse();
        assertThat(ServiceDnsNames.isServiceOf("a.b.istio-system.svc.cluster.local", "istio-system", "cluster.local")).isFalse();
        assertThat(ServiceDnsNames.isServiceOf(".istio-system.svc.cluster.local", "istio-system", "cluster.local")).isFalse();
        assertThat(ServiceDnsNames.isServiceOf("www.example.com", "istio-system", "cluster.local")).isFalse();
    }
}
