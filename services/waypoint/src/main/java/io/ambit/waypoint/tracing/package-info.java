/**
 * Tracing, as an Istio waypoint (Envoy) does it when tracing is on: the W3C {@code traceparent}
 * of each request is continued (or a trace started), sent upstream with the waypoint's own span
 * as parent, and one server span per request, with Envoy's and Istio's tags, is exported over
 * OTLP (HTTP/protobuf). Starting points: {@link io.ambit.waypoint.tracing.RequestTracer} (one per
 * waypoint, {@link io.ambit.waypoint.tracing.RequestTracer#OFF} by default) and
 * {@link io.ambit.waypoint.tracing.RequestSpan} (one per request);
 * {@link io.ambit.waypoint.tracing.TracingProperties} ({@code ambit.waypoint.tracing.*}).
 */
package io.ambit.waypoint.tracing;
