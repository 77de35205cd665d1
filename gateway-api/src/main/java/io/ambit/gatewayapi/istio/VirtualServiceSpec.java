package io.ambit.gatewayapi.istio;

import java.util.List;
import java.util.Map;

/**
 * {@code networking.istio.io/v1} VirtualService {@code spec}: the part a waypoint applies, field
 * names as Istio's {@code virtual_service.proto}. Istio's convention for what Gateway API has no
 * field for (fault injection): a VirtualService whose {@code hosts} names a waypoint-bound service
 * is applied by that service's waypoint. Fields Ambit does not apply (rewrite, redirect, mirror,
 * retries, headers, subsets, tcp/tls routes …) are not modelled, so they are refused by name
 * rather than ignored.
 */
public record VirtualServiceSpec(List<String> hosts, List<String> gateways, List<Http> http, List<String> exportTo) {

    public VirtualServiceSpec {
        hosts = hosts == null ? List.of() : List.copyOf(hosts);
        gateways = gateways == null ? List.of() : List.copyOf(gateways);
        http = http == null ? List.of() : List.copyOf(http);
        exportTo = exportTo == null ? List.of() : List.copyOf(exportTo);
    }

    /** {@code HTTPRoute}: matched in order, the first match wins. */
    public record Http(String name, List<Match> match, List<RouteDestination> route, String timeout, Fault fault) {
        public Http {
            match = match == null ? List.of() : List.copyOf(match);
            route = route == null ? List.of() : List.copyOf(route);
        }
    }

    /** {@code HTTPMatchRequest}: every condition given must hold. */
    public record Match(String name, StringMatch uri, StringMatch method, Map<String, StringMatch> headers) {
        public Match {
            headers = headers == null ? Map.of() : Map.copyOf(headers);
        }
    }

    /** Exactly one of the three. */
    public record StringMatch(String exact, String prefix, String regex) {
    }

    public record RouteDestination(Destination destination, Integer weight) {
    }

    public record Destination(String host, PortSelector port) {
    }

    public record PortSelector(Integer number) {
    }

    /** {@code HTTPFaultInjection}. */
    public record Fault(Delay delay, Abort abort) {
    }

    public record Delay(String fixedDelay, Percent percentage) {
    }

    /** {@code httpStatus} or {@code grpcStatus} (a gRPC code name such as {@code UNAVAILABLE}). */
    public record Abort(Integer httpStatus, String grpcStatus, Percent percentage) {
    }

    public record Percent(Double value) {
    }
}
