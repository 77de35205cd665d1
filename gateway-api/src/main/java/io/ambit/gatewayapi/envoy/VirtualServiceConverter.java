package io.ambit.gatewayapi.envoy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import io.ambit.gatewayapi.istio.VirtualServiceSpec;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;

/**
 * A VirtualService's {@code http} routes → Envoy routes, as istiod's {@code route.go} builds them
 * for the part Ambit applies: one route per match (no match → prefix {@code /}), uri exact →
 * {@code path}, prefix → {@code prefix}, regex → {@code safe_regex} (RE2), method and headers as
 * header matchers; destinations → a cluster or weighted clusters; {@code timeout} → route timeout
 * (none by default); Istio's default retry policy; {@code fault} → the route's
 * {@code typed_per_filter_config["envoy.filters.http.fault"]}, an {@link HTTPFault} with a fixed
 * delay and an HTTP or gRPC abort, percentages as per-million fractions ({@code value × 10,000},
 * istiod's {@code translatePercentToFractionalPercent}; no percentage → 0, as istiod sends it).
 * Order is the VirtualService's (first match wins); nothing is added after its last route, so a
 * request none matches gets Envoy's 404.
 */
public final class VirtualServiceConverter {

    /** The HTTP filter name Istio uses for fault injection (wellknown.Fault). */
    public static final String FAULT_FILTER = "envoy.filters.http.fault";

    /** Resolves a destination host (as written) and port to a cluster. */
    @FunctionalInterface
    public interface Destinations {
        /** @param port null when the destination names none */
        Backends.Resolution resolve(String host, Integer port);
    }

    /** gRPC status codes by name (grpc/codes), for {@code abort.grpcStatus}. */
    private static final List<String> GRPC_CODES = List.of("OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
            "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
            "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED");

    private VirtualServiceConverter() {
    }

    public record Result(List<Route> routes, List<RouteProblem> problems) {
        public Result {
            routes = List.copyOf(routes);
            problems = List.copyOf(problems);
        }
    }

    public static Result convert(String namespace, String name, VirtualServiceSpec spec, Destinations destinations) {
        List<Route> routes = new ArrayList<>();
        List<RouteProblem> problems = new ArrayList<>();
        for (int i = 0; i < spec.http().size(); i++) {
            VirtualServiceSpec.Http http = spec.http().get(i);
            String at = "http[" + i + "]";
            Route.Builder template = Route.newBuilder().setName(http.name() != null && !http.name().isEmpty() ? http.name()
                    : namespace + "." + name + "." + i);
            try {
                template.setRoute(action(http, destinations, at, problems));
                if (http.fault() != null) {
                    template.putTypedPerFilterConfig(FAULT_FILTER, Any.pack(fault(http.fault(), at + ".fault")));
                }
            } catch (IllegalArgumentException e) {
                problems.add(new RouteProblem("UnsupportedValue", e.getMessage() + "; the route is left out"));
                continue;
            }
            List<VirtualServiceSpec.Match> matches = http.match().isEmpty() ? java.util.Collections.singletonList(null) : http.match();
            for (int m = 0; m < matches.size(); m++) {
                try {
                    routes.add(template.clone().setMatch(match(matches.get(m), at + ".match[" + m + "]")).build());
                } catch (IllegalArgumentException e) {
                    problems.add(new RouteProblem("UnsupportedValue", e.getMessage() + "; the match is left out"));
                }
            }
        }
        return new Result(routes, problems);
    }

    private static RouteAction action(VirtualServiceSpec.Http http, Destinations destinations, String at, List<RouteProblem> problems) {
        if (http.route().isEmpty()) {
            throw new IllegalArgumentException(at + ": route is required (redirect, directResponse and delegate are not supported)");
        }
        RouteAction.Builder action = RouteAction.newBuilder()
                .setClusterNotFoundResponseCode(RouteAction.ClusterNotFoundResponseCode.SERVICE_UNAVAILABLE)
                .setRetryPolicy(RouteConverter.defaultRetryPolicy());
        com.google.protobuf.Duration timeout = http.timeout() == null ? com.google.protobuf.Duration.getDefaultInstance()
                : IstioDurations.proto(IstioDurations.parse(http.timeout(), at + ".timeout"));
        action.setTimeout(timeout).setMaxStreamDuration(RouteAction.MaxStreamDuration.newBuilder().setMaxStreamDuration(timeout));
        List<WeightedCluster.ClusterWeight> weighted = new ArrayList<>();
        for (int d = 0; d < http.route().size(); d++) {
            VirtualServiceSpec.RouteDestination rd = http.route().get(d);
            String where = at + ".route[" + d + "]";
            if (rd.destination() == null || rd.destination().host() == null || rd.destination().host().isEmpty()) {
                throw new IllegalArgumentException(where + ".destination.host is required");
            }
            int weight = rd.weight() == null ? (http.route().size() == 1 ? 100 : 0) : rd.weight();
            if (weight < 0 || weight > 100) {
                throw new IllegalArgumentException(where + ".weight: " + weight + " is not within 0..100");
            }
            Integer port = rd.destination().port() == null ? null : rd.destination().port().number();
            Backends.Resolution resolution = destinations.resolve(rd.destination().host(), port);
            if (!resolution.resolved()) {
                problems.add(new RouteProblem(resolution.reason(), where + ": " + resolution.message()));
            }
            if (weight > 0) { // istiod drops destinations of weight 0
                weighted.add(WeightedCluster.ClusterWeight.newBuilder().setName(resolution.cluster()).setWeight(UInt32Value.of(weight)).build());
            }
        }
        if (weighted.isEmpty()) {
            throw new IllegalArgumentException(at + ": every destination has weight 0");
        }
        if (weighted.size() == 1) {
            action.setCluster(weighted.getFirst().getName());
        } else {
            action.setWeightedClusters(WeightedCluster.newBuilder().addAllClusters(weighted));
        }
        return action.build();
    }

    private static RouteMatch match(VirtualServiceSpec.Match match, String at) {
        RouteMatch.Builder out = RouteMatch.newBuilder().setCaseSensitive(BoolValue.of(true));
        if (match == null || match.uri() == null) {
            return out.setPrefix("/").build();
        }
        VirtualServiceSpec.StringMatch uri = match.uri();
        StringMatcher path = stringMatch(uri, at + ".uri");
        switch (path.getMatchPatternCase()) {
            case EXACT -> out.setPath(path.getExact());
            case PREFIX -> out.setPrefix(path.getPrefix());
            default -> out.setSafeRegex(path.getSafeRegex());
        }
        Map<String, HeaderMatcher> headers = new TreeMap<>();
        match.headers().forEach((name, value) -> headers.put(name.toLowerCase(Locale.ROOT),
                HeaderMatcher.newBuilder().setName(name.toLowerCase(Locale.ROOT)).setStringMatch(stringMatch(value, at + ".headers." + name)).build()));
        out.addAllHeaders(headers.values());
        if (match.method() != null) {
            out.addHeaders(HeaderMatcher.newBuilder().setName(":method").setStringMatch(stringMatch(match.method(), at + ".method")));
        }
        return out.build();
    }


    private static StringMatcher stringMatch(VirtualServiceSpec.StringMatch value, String at) {
        int set = (value.exact() != null ? 1 : 0) + (value.prefix() != null ? 1 : 0) + (value.regex() != null ? 1 : 0);
        if (set != 1) {
            throw new IllegalArgumentException(at + ": exactly one of exact, prefix, regex is required");
        }
        if (value.exact() != null) {
            return StringMatcher.newBuilder().setExact(value.exact()).build();
        }
        if (value.prefix() != null) {
            return StringMatcher.newBuilder().setPrefix(value.prefix()).build();
        }
        String problem = Re2.problem(value.regex());
        if (problem != null) {
            throw new IllegalArgumentException(at + ": " + problem);
        }
        return StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex(value.regex())).build();
    }

    /** istiod's {@code TranslateFault}. */
    static HTTPFault fault(VirtualServiceSpec.Fault fault, String at) {
        HTTPFault.Builder out = HTTPFault.newBuilder();
        if (fault.delay() != null) {
            if (fault.delay().fixedDelay() == null) {
                throw new IllegalArgumentException(at + ".delay.fixedDelay is required (exponentialDelay is not supported)");
            }
            out.setDelay(FaultDelay.newBuilder()
                    .setFixedDelay(IstioDurations.proto(IstioDurations.parse(fault.delay().fixedDelay(), at + ".delay.fixedDelay")))
                    .setPercentage(percent(fault.delay().percentage(), at + ".delay.percentage")));
        }
        if (fault.abort() != null) {
            FaultAbort.Builder abort = FaultAbort.newBuilder().setPercentage(percent(fault.abort().percentage(), at + ".abort.percentage"));
            if (fault.abort().httpStatus() != null && fault.abort().grpcStatus() == null) {
                int status = fault.abort().httpStatus();
                if (status < 200 || status > 599) {
                    throw new IllegalArgumentException(at + ".abort.httpStatus: " + status + " is not within 200..599");
                }
                abort.setHttpStatus(status);
            } else if (fault.abort().grpcStatus() != null && fault.abort().httpStatus() == null) {
                int code = GRPC_CODES.indexOf(fault.abort().grpcStatus());
                if (code < 0) {
                    throw new IllegalArgumentException(at + ".abort.grpcStatus: \"" + fault.abort().grpcStatus() + "\" is not a gRPC status code name");
                }
                abort.setGrpcStatus(code);
            } else {
                throw new IllegalArgumentException(at + ".abort: exactly one of httpStatus, grpcStatus is required");
            }
            out.setAbort(abort);
        }
        return out.build();
    }

    private static FractionalPercent percent(VirtualServiceSpec.Percent percent, String at) {
        double value = percent == null || percent.value() == null ? 0 : percent.value();
        if (value < 0 || value > 100 || Double.isNaN(value)) {
            throw new IllegalArgumentException(at + ": " + value + " is not within 0..100");
        }
        return FractionalPercent.newBuilder().setNumerator((int) (value * 10_000))
                .setDenominator(FractionalPercent.DenominatorType.MILLION).build();
    }
}
