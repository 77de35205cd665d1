package io.ambit.waypoint.tracing;

import io.ambit.waypoint.telemetry.RequestRecord;
import io.netty.handler.codec.http.HttpHeaders;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapSetter;

/**
 * One request's server span: what the upstream request must carry, and the tags Envoy's HTTP
 * connection manager puts on its downstream span ({@code source/common/tracing/common_values.h}
 * names them) when the request ends.
 */
public final class RequestSpan {

    private static final TextMapSetter<HttpHeaders> HEADERS = (carrier, key, value) -> carrier.set(key, value);

    private final Span span;
    private final Attributes common;

    RequestSpan(Span span, Attributes common) {
        this.span = span;
        this.common = common;
    }

    /** Sets {@code traceparent} (this span as parent) and {@code tracestate} on an upstream request. */
    public void inject(HttpHeaders upstream) {
        RequestTracer.propagator().inject(Context.root().with(span), upstream, HEADERS);
    }

    /** The span as {@code traceparent} shows it: {@code 00-<trace id>-<span id>-<flags>}. */
    public String traceparent() {
        var c = span.getSpanContext();
        return "00-" + c.getTraceId() + "-" + c.getSpanId() + "-" + c.getTraceFlags().asHex();
    }

    /** Envoy's HCM {@code tracing.max_path_tag_length} default: the path in {@code http.url} is cut at 256 characters. */
    static final int MAX_PATH_TAG_LENGTH = 256;

    private static String url(String scheme, RequestRecord r) {
        String path = r.path().length() > MAX_PATH_TAG_LENGTH ? r.path().substring(0, MAX_PATH_TAG_LENGTH) : r.path();
        return scheme + "://" + r.authority() + path;
    }

    /**
     * Ends the span with the request's outcome; the span's name is Istio's route decorator,
     * {@code <service host>:<port>/*}. A span not sampled costs nothing more here.
     */
    public void end(RequestRecord r, String operation, String scheme) {
        if (!span.isRecording()) {
            span.end();
            return;
        }
        span.updateName(operation);
        AttributesBuilder tags = common.toBuilder()
                .put("http.method", r.method())
                .put("http.url", url(scheme, r))
                .put("http.protocol", r.protocol())
                .put("http.status_code", Integer.toString(r.status()))
                .put("response_flags", r.flags())
                .put("request_size", Long.toString(r.bytesReceived()))
                .put("response_size", Long.toString(r.bytesSent()))
                .put("guid:x-request-id", r.requestId())
                .put("downstream_cluster", "-")
                .put("peer.address", r.downstreamPeer())
                .put("upstream_cluster", r.cluster())
                .put("upstream_cluster.name", r.cluster());
        if (!"-".equals(r.upstreamHost())) {
            tags.put("upstream_address", r.upstreamHost());
        }
        if (r.userAgent() != null) {
            tags.put("user_agent", r.userAgent());
        }
        if (r.attempts() > 1) {
            tags.put("retry.count", Long.toString(r.attempts() - 1L));
        }
        if (r.grpc()) {
            tags.put("grpc.status_code", r.grpcStatus().isEmpty() ? "-" : r.grpcStatus());
        }
        // Envoy: a 5xx answer (or a gRPC error status) marks the span error=true
        boolean error = r.status() >= 500 || r.status() == 0
                || r.grpc() && !r.grpcStatus().isEmpty() && !"0".equals(r.grpcStatus());
        if (error) {
            tags.put("error", "true");
            span.setStatus(StatusCode.ERROR);
        }
        span.setAllAttributes(tags.build());
        span.end(); // the request ends now: the record is made when its last byte is written
    }
}
