package io.ambit.gatewayapi.envoy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import io.ambit.gatewayapi.istio.IstioSpecs;
import io.ambit.gatewayapi.istio.VirtualServiceSpec;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import org.junit.jupiter.api.Test;

class VirtualServiceConverterTest {

    private static final VirtualServiceConverter.Destinations CLUSTERS = (host, port) -> host.equals("missing")
            ? new Backends.Resolution("outbound|80||missing", "BackendNotFound", "backend(missing) not found")
            : Backends.Resolution.of("outbound|" + (port == null ? 80 : port) + "||" + host);

    private static VirtualServiceConverter.Result convert(Map<String, Object> spec) {
        return VirtualServiceConverter.convert("demo", "vs", IstioSpecs.bind(spec, VirtualServiceSpec.class), CLUSTERS);
    }

    @Test
    void faultBecomesTheRoutesFaultFilterConfigAsIstiodWritesIt() throws Exception {
        Route route = convert(Map.of("hosts", List.of("b"), "http", List.of(Map.of(
                "fault", Map.of("delay", Map.of("fixedDelay", "1.5s", "percentage", Map.of("value", 12.5)),
                        "abort", Map.of("httpStatus", 418, "percentage", Map.of("value", 100))),
                "route", List.of(Map.of("destination", Map.of("host", "b")))))))
                .routes().getFirst();
        HTTPFault fault = route.getTypedPerFilterConfigOrThrow("envoy.filters.http.fault").unpack(HTTPFault.class);
        assertThat(fault.getDelay().getFixedDelay().getSeconds()).isEqualTo(1);
        assertThat(fault.getDelay().getFixedDelay().getNanos()).isEqualTo(500_000_000);
        assertThat(fault.getDelay().getPercentage().getNumerator()).isEqualTo(125_000);
        assertThat(fault.getDelay().getPercentage().getDenominator()).isEqualTo(FractionalPercent.DenominatorType.MILLION);
        assertThat(fault.getAbort().getHttpStatus()).isEqualTo(418);
        assertThat(fault.getAbort().getPercentage().getNumerator()).isEqualTo(1_000_000);
        assertThat(route.getMatch().getPrefix()).isEqualTo("/");
        assertThat(route.getRoute().getCluster()).isEqualTo("outbound|80||b");
        assertThat(route.getRoute().getRetryPolicy()).isEqualTo(RouteConverter.defaultRetryPolicy());
    }

    @Test
    void grpcAbortByCodeNameAndNoPercentageMeansNone() throws Exception {
        Route route = convert(Map.of("hosts", List.of("b"), "http", List.of(Map.of(
                "fault", Map.of("abort", Map.of("grpcStatus", "UNAVAILABLE")),
                "route", List.of(Map.of("destination", Map.of("host", "b"))))))).routes().getFirst();
        HTTPFault fault = route.getTypedPerFilterConfigOrThrow("envoy.filters.http.fault").unpack(HTTPFault.class);
        assertThat(fault.getAbort().getGrpcStatus()).isEqualTo(14);
        assertThat(fault.getAbort().getPercentage().getNumerator()).isZero();
        assertThat(fault.hasDelay()).isFalse();
    }

    @Test
    void matchesWeightsAndTimeout() {
        List<Route> routes = convert(Map.of("hosts", List.of("b"), "http", List.of(Map.of("name", "r",
                "match", List.of(Map.of("uri", Map.of("prefix", "/api"), "method", Map.of("exact", "GET"),
                        "headers", Map.of("X-User", Map.of("exact", "jason"))), Map.of("uri", Map.of("regex", "/v[0-9]+"))),
                "timeout", "250ms",
                "route", List.of(Map.of("destination", Map.of("host", "b", "port", Map.of("number", 8080)), "weight", 90),
                        Map.of("destination", Map.of("host", "c"), "weight", 10))))))
                .routes();
        assertThat(routes).hasSize(2);
        assertThat(routes.get(0).getMatch().getPrefix()).isEqualTo("/api");
        assertThat(routes.get(0).getMatch().getHeadersList()).extracting(h -> h.getName() + "=" + h.getStringMatch().getExact())
                .containsExactly("x-user=jason", ":method=GET");
        assertThat(routes.get(1).getMatch().getSafeRegex().getRegex()).isEqualTo("/v[0-9]+");
        assertThat(routes.get(0).getRoute().getWeightedClusters().getClustersList()).extracting(c -> c.getName() + "@" + c.getWeight().getValue())
                .containsExactly("outbound|8080||b@90", "outbound|80||c@10");
        assertThat(routes.get(0).getRoute().getTimeout().getNanos()).isEqualTo(250_000_000);
        assertThat(routes.get(0).getTypedPerFilterConfigCount()).isZero();
    }

    @Test
    void badValuesAreReportedAndTheirRouteLeftOut() {
        VirtualServiceConverter.Result result = convert(Map.of("hosts", List.of("b"), "http", List.of(
                Map.of("fault", Map.of("abort", Map.of("httpStatus", 999, "percentage", Map.of("value", 10))),
                        "route", List.of(Map.of("destination", Map.of("host", "b")))),
                Map.of("fault", Map.of("delay", Map.of("fixedDelay", "soon")), "route", List.of(Map.of("destination", Map.of("host", "b")))),
                Map.of("fault", Map.of("abort", Map.of("grpcStatus", "NOPE")), "route", List.of(Map.of("destination", Map.of("host", "b")))),
                Map.of("fault", Map.of("abort", Map.of("httpStatus", 503, "percentage", Map.of("value", 101)))
                        , "route", List.of(Map.of("destination", Map.of("host", "b")))),
                Map.of("match", List.of(Map.of("uri", Map.of("regex", "(?=x)"))), "route", List.of(Map.of("destination", Map.of("host", "b")))),
                Map.of("route", List.of(Map.of("destination", Map.of("host", "missing")))))));
        assertThat(result.routes()).hasSize(1); // only the last: its backend is unknown, reported, and its share answers 503
        assertThat(result.problems()).extracting(RouteProblem::message).satisfiesExactly(
                m -> assertThat(m).contains("http[0].fault.abort.httpStatus: 999"),
                m -> assertThat(m).contains("http[1].fault.delay.fixedDelay: \"soon\" is not a duration"),
                m -> assertThat(m).contains("http[2].fault.abort.grpcStatus: \"NOPE\""),
                m -> assertThat(m).contains("http[3].fault.abort.percentage: 101.0 is not within 0..100"),
                m -> assertThat(m).contains("http[4].match[0].uri").contains("RE2"),
                m -> assertThat(m).contains("http[5].route[0]: backend(missing) not found"));
    }

    @Test
    void fieldsAmbitDoesNotApplyAreRefusedByName() {
        assertThatThrownBy(() -> IstioSpecs.bind(Map.of("http", List.of(Map.of("retries", Map.of("attempts", 3)))), VirtualServiceSpec.class))
                .hasMessageContaining("retries");
        assertThatThrownBy(() -> IstioSpecs.bind(Map.of("http", List.of(Map.of("fault", Map.of("abort", Map.of("httpStatus", "x"))))),
                VirtualServiceSpec.class)).hasMessageContaining("httpStatus");
    }
}
