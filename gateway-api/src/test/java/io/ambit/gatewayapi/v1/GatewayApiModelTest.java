package io.ambit.gatewayapi.v1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.ambit.gatewayapi.istio.IstioSpecs;
import org.junit.jupiter.api.Test;

class GatewayApiModelTest {

    @Test
    void durationsFollowGep2257() {
        assertThat(GatewayApi.duration("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(GatewayApi.duration("2s500ms")).isEqualTo(Duration.ofMillis(2500));
        assertThat(GatewayApi.duration("0s")).isZero();
        for (String bad : List.of("", "1.5s", "1d", "100000s", "1h1m1s1ms1h", "-1s", "1 s")) {
            assertThatThrownBy(() -> GatewayApi.duration(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aReferenceGrantPermitsOnlyWhatItNames() {
        ReferenceGrantSpec grant = IstioSpecs.bind(Map.of(
                "from", List.of(Map.of("group", GatewayApi.GROUP, "kind", "HTTPRoute", "namespace", "demo")),
                "to", List.of(Map.of("group", "", "kind", "Service", "name", "db"))), ReferenceGrantSpec.class);
        assertThat(grant.permits(GatewayApi.GROUP, "HTTPRoute", "demo", "", "Service", "db")).isTrue();
        assertThat(grant.permits(GatewayApi.GROUP, "HTTPRoute", "demo", "", "Service", "other")).isFalse();
        assertThat(grant.permits(GatewayApi.GROUP, "GRPCRoute", "demo", "", "Service", "db")).isFalse();
        assertThat(grant.permits(GatewayApi.GROUP, "HTTPRoute", "prod", "", "Service", "db")).isFalse();
    }

    @Test
    void routeDefaultsAreTheCrdDefaults() {
        HTTPRouteSpec spec = IstioSpecs.bind(Map.of("rules", List.of(Map.of("backendRefs", List.of(Map.of("name", "a"))))),
                HTTPRouteSpec.class);
        HTTPRouteSpec.Match match = spec.rules().getFirst().matches().getFirst();
        assertThat(match.path()).isEqualTo(new HTTPRouteSpec.PathMatch(HTTPRouteSpec.PathMatchType.PathPrefix, "/"));
        assertThat(spec.rules().getFirst().backendRefs().getFirst().weightOrDefault()).isEqualTo(1);
    }

    @Test
    void structuralRulesAreChecked() {
        assertThatThrownBy(() -> new HTTPRouteSpec.PathMatch(HTTPRouteSpec.PathMatchType.Exact, "a/b"))
                .hasMessageContaining("must start with '/'");
        assertThatThrownBy(() -> new HTTPRouteSpec.PathMatch(HTTPRouteSpec.PathMatchType.PathPrefix, "/a//b"))
                .hasMessageContaining("normalized");
        assertThatThrownBy(() -> new HTTPRouteSpec.Timeouts("1s", "2s")).hasMessageContaining("cannot be longer");
        assertThatThrownBy(() -> new HTTPRouteSpec.Retry(List.of(200), null, null)).hasMessageContaining("400 and 599");
        assertThatThrownBy(() -> new HTTPRequestMirrorFilter(new BackendObjectReference(null, null, "a", null, 80), 10,
                new HTTPRequestMirrorFilter.Fraction(1, 2))).hasMessageContaining("only one of percent or fraction");
        assertThatThrownBy(() -> new HTTPRouteSpec.PathMatch(HTTPRouteSpec.PathMatchType.Exact, "/a b"))
                .hasMessageContaining("valid characters");
        Map<String, Object> backend = Map.of("name", "a", "port", 80);
        Map<String, Object> redirect = Map.of("type", "RequestRedirect", "requestRedirect", Map.of("scheme", "https"));
        assertThatThrownBy(() -> IstioSpecs.bind(Map.of("rules", List.of(Map.of("filters", List.of(redirect),
                "backendRefs", List.of(backend)))), HTTPRouteSpec.class))
                .hasRootCauseMessage("RequestRedirect filter must not be used together with backendRefs");
        assertThatThrownBy(() -> IstioSpecs.bind(Map.of("rules", List.of(Map.of("filters", List.of(redirect, redirect)))),
                HTTPRouteSpec.class)).hasRootCauseMessage("RequestRedirect filter cannot be repeated");
        Map<String, Object> prefixRewrite = Map.of("type", "URLRewrite", "urlRewrite",
                Map.of("path", Map.of("type", "ReplacePrefixMatch", "replacePrefixMatch", "/b")));
        assertThatThrownBy(() -> IstioSpecs.bind(Map.of("rules", List.of(Map.of("filters", List.of(prefixRewrite),
                "matches", List.of(Map.of("path", Map.of("type", "Exact", "value", "/a")))))), HTTPRouteSpec.class))
                .hasRootCauseMessage("When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified");
        assertThat(new LabelSelector(Map.of("a", "1"), List.of(new LabelSelector.Requirement("b", LabelSelector.Operator.NotIn,
                List.of("x")))).matches(Map.of("a", "1", "b", "y"))).isTrue();
    }
}
