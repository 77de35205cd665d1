package io.ambit.gatewayapi.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import io.ambit.gatewayapi.istio.IstioSpecs;
import io.ambit.gatewayapi.v1.GRPCRouteSpec;
import io.ambit.gatewayapi.v1.HTTPRouteSpec;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import org.junit.jupiter.api.Test;

class RouteConverterTest {

    private static final RouteOrigin ORIGIN = new RouteOrigin("HTTPRoute", "demo", "r", null);
    private static final Backends SERVICES = (kind, ns, ref) -> Backends.Resolution.of("outbound|" + ref.port() + "||" + ref.name());

    private static RouteConverter.Result http(Map<String, Object> rule) {
        return RouteConverter.http(ORIGIN, IstioSpecs.bind(Map.of("rules", List.of(rule)), HTTPRouteSpec.class), 8080, SERVICES);
    }

    private static final Map<String, Object> BACKEND = Map.of("name", "a", "port", 80);

    @Test
    void matchesBecomeEnvoyMatchers() {
        Route route = http(Map.of("matches", List.of(Map.of(
                "path", Map.of("type", "Exact", "value", "/x"),
                "headers", List.of(Map.of("name", "X-A", "value", "1"), Map.of("name", "x-a", "value", "2"),
                        Map.of("type", "RegularExpression", "name", "b", "value", "^v[0-9]$")),
                "queryParams", List.of(Map.of("name", "q", "value", "1")),
                "method", "POST")), "backendRefs", List.of(BACKEND))).routes().getFirst().route();
        assertThat(route.getMatch().getPath()).isEqualTo("/x");
        // the first of two names that differ in case counts (Gateway API); then :method
        assertThat(route.getMatch().getHeadersList()).extracting(h -> h.getName() + "=" + (h.getStringMatch().hasSafeRegex()
                ? "~" + h.getStringMatch().getSafeRegex().getRegex() : h.getStringMatch().getExact()))
                .containsExactly("X-A=1", "b=~^v[0-9]$", ":method=POST"); // sorted by name in byte order, as istiod
        assertThat(route.getMatch().getQueryParameters(0).getStringMatch().getExact()).isEqualTo("1");
        assertThat(route.getRoute().getCluster()).isEqualTo("outbound|80||a");
    }

    @Test
    void aRegexRe2CannotRunIsReportedAndItsMatchLeftOut() {
        RouteConverter.Result result = http(Map.of("matches", List.of(Map.of("path",
                Map.of("type", "RegularExpression", "value", "/(?=x).*"))), "backendRefs", List.of(BACKEND)));
        assertThat(result.routes()).isEmpty();
        assertThat(result.problems()).singleElement().satisfies(p -> {
            assertThat(p.reason()).isEqualTo("UnsupportedValue");
            assertThat(p.message()).contains("RE2 does not support");
        });
    }

    @Test
    void anUnsupportedFilterMakesTheRuleAnswer500() {
        RouteConverter.Result result = http(Map.of("filters", List.of(Map.of("type", "ExtensionRef",
                "extensionRef", Map.of("group", "x.io", "kind", "Thing", "name", "t"))), "backendRefs", List.of(BACKEND)));
        assertThat(result.routes().getFirst().route().getDirectResponse().getStatus()).isEqualTo(500);
        assertThat(result.problems()).extracting(RouteProblem::message).containsExactly(
                "rules[0]: filter ExtensionRef is not supported; the rule answers 500");
    }

    @Test
    void aRedirectWithoutPortUsesTheListenerPortUnlessASchemeIsGiven() {
        RedirectAction keepPort = http(Map.of("filters", List.of(Map.of("type", "RequestRedirect",
                "requestRedirect", Map.of("hostname", "b"))))).routes().getFirst().route().getRedirect();
        assertThat(keepPort.getPortRedirect()).isEqualTo(8080);
        // the CRD's default status code, 302, applied here since the local store has no API server
        assertThat(keepPort.getResponseCode()).isEqualTo(RedirectAction.RedirectResponseCode.FOUND);
        RedirectAction https = http(Map.of("filters", List.of(Map.of("type", "RequestRedirect",
                "requestRedirect", Map.of("scheme", "https", "port", 443, "path",
                        Map.of("type", "ReplaceFullPath", "replaceFullPath", "/new"))))))
                .routes().getFirst().route().getRedirect();
        assertThat(https.getPortRedirect()).isZero(); // the scheme's default port is left out
        assertThat(https.getPathRedirect()).isEqualTo("/new");
    }

    @Test
    void aRetryWithZeroAttemptsHasNoRetryPolicy() {
        Route route = http(Map.of("retry", Map.of("attempts", 0), "timeouts", Map.of("backendRequest", "3s"),
                "backendRefs", List.of(BACKEND))).routes().getFirst().route();
        assertThat(route.getRoute().hasRetryPolicy()).isFalse();
        assertThat(route.getRoute().getTimeout().getSeconds()).isZero(); // istiod: per-try goes with the dropped policy
    }

    @Test
    void grpcMethodMatchesFollowIstiod() {
        GRPCRouteSpec spec = IstioSpecs.bind(Map.of("rules", List.of(Map.of("matches", List.of(
                Map.of("method", Map.of("method", "Say")),
                Map.of("method", Map.of("type", "RegularExpression", "service", "demo\\..*"))),
                "backendRefs", List.of(BACKEND)))), GRPCRouteSpec.class);
        List<RankedRoute> routes = RouteConverter.grpc(new RouteOrigin("GRPCRoute", "demo", "g", null), spec, 7070, SERVICES).routes();
        assertThat(routes).extracting(r -> r.route().getMatch().getSafeRegex().getRegex())
                .containsExactly("/[^/]+/Say", "/demo\\..*/.+");
    }

    @Test
    void prefixQuotingIsGoQuoteMeta() {
        assertThat(RouteConverter.quoteMeta("/a.b+(c)")).isEqualTo("/a\\.b\\+\\(c\\)");
    }
}
