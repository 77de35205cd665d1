package io.ambit.waypoint.proxy;

import java.util.function.Supplier;

import io.ambit.hbone.HbonePool;
import io.ambit.identity.SpiffeId;
import io.ambit.waypoint.config.WaypointSnapshot;
import io.ambit.waypoint.telemetry.RequestTelemetry;
import io.ambit.waypoint.tracing.RequestTracer;

/**
 * What every tunnel's HTTP handling shares: the current configuration, the waypoint's own identity
 * (presented upstream through the pool), where endpoints' ztunnels listen, the load balancer and
 * telemetry.
 *
 * @param upstreamHbonePort the HBONE port of every endpoint's node (15008; tests use an ephemeral one)
 * @param upstreams         idle upstream HTTP/1.1 connections kept for the next request (keep-alive)
 * @param tracer            spans and {@code traceparent} per request, or {@link RequestTracer#OFF}
 */
public record ProxyContext(Supplier<WaypointSnapshot> config, HbonePool pool, SpiffeId self, int upstreamHbonePort,
                           EndpointPicker picker, RequestTelemetry telemetry, HttpLimits limits, UpstreamConnections upstreams,
                           RequestTracer tracer) {

    /** Without tracing. */
    public ProxyContext(Supplier<WaypointSnapshot> config, HbonePool pool, SpiffeId self, int upstreamHbonePort,
            EndpointPicker picker, RequestTelemetry telemetry, HttpLimits limits, UpstreamConnections upstreams) {
        this(config, pool, self, upstreamHbonePort, picker, telemetry, limits, upstreams, RequestTracer.OFF);
    }

    /** With Envoy's defaults for the upstream connection pool, and tracing as {@code tracer} says. */
    public ProxyContext(Supplier<WaypointSnapshot> config, HbonePool pool, SpiffeId self, int upstreamHbonePort,
            EndpointPicker picker, RequestTelemetry telemetry, HttpLimits limits, RequestTracer tracer) {
        this(config, pool, self, upstreamHbonePort, picker, telemetry, limits, UpstreamConnections.withDefaults(), tracer);
    }

    /** With Envoy's defaults for the upstream connection pool (idle ones kept for an hour). */
    public ProxyContext(Supplier<WaypointSnapshot> config, HbonePool pool, SpiffeId self, int upstreamHbonePort,
            EndpointPicker picker, RequestTelemetry telemetry, HttpLimits limits) {
        this(config, pool, self, upstreamHbonePort, picker, telemetry, limits, UpstreamConnections.withDefaults());
    }
}
