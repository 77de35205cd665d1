package io.ambit.waypoint.tracing;

import java.time.Instant;
import java.util.concurrent.TimeUnit;

import io.netty.handler.codec.http.HttpHeaders;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;

/**
 * The waypoint's tracer: one per process. {@link #OFF} (the default) costs a request one boolean
 * test; the {@code traceparent} and {@code tracestate} headers then cross the waypoint untouched,
 * as every other header does. When on, each request gets a {@link RequestSpan}: the incoming W3C
 * context is continued (or a trace started), the upstream request carries the waypoint's span as
 * parent, and sampled spans are batched and exported over OTLP/HTTP (protobuf) off the event loops.
 *
 * <p>Sampling is Envoy's for its OpenTelemetry tracer: a request with a {@code traceparent} keeps
 * its caller's decision (the sampled flag); a new trace is sampled with the configured percentage.
 * An unsampled request still gets a span id of its own in the {@code traceparent} sent upstream, so
 * the trace stays whole if a later hop samples it.
 */
public final class RequestTracer implements AutoCloseable {

    /** Tracing off: no span, nothing exported (and no OpenTelemetry class initialized for it). */
    public static final RequestTracer OFF = new RequestTracer(null, null, null);

    /** Initialized on first use only, so that a waypoint without tracing never loads them. */
    private static final class W3c {
        static final W3CTraceContextPropagator PROPAGATOR = W3CTraceContextPropagator.getInstance();
        static final TextMapGetter<HttpHeaders> HEADERS = new TextMapGetter<>() {
            @Override
            public Iterable<String> keys(HttpHeaders carrier) {
                return carrier.names();
            }

            @Override
            public String get(HttpHeaders carrier, String key) {
                return carrier == null ? null : carrier.get(key);
            }
        };
    }

    private final SdkTracerProvider provider;
    private final Tracer tracer;
    /** Tags every span of this waypoint carries: Envoy's {@code component}, {@code node_id}, and Istio's {@code istio.*}. */
    private final Attributes common;

    private RequestTracer(SdkTracerProvider provider, Tracer tracer, Attributes common) {
        this.provider = provider;
        this.tracer = tracer;
        this.common = common;
    }

    /**
     * A tracer exporting to {@code settings.endpoint()}; {@link #OFF} when tracing is not enabled.
     *
     * @param waypoint who this waypoint is, for the spans' tags and {@code service.name}
     */
    public static RequestTracer create(TracingProperties settings, WaypointTags waypoint) {
        if (!settings.enabled()) {
            return OFF;
        }
        OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder()
                .setEndpoint(settings.endpoint())
                .setTimeout(settings.exportTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .build();
        return create(settings, waypoint, BatchSpanProcessor.builder(exporter).build());
    }

    /** With the given span processor (tests may export at once). */
    static RequestTracer create(TracingProperties settings, WaypointTags waypoint, SpanProcessor processor) {
        String serviceName = settings.serviceName() == null || settings.serviceName().isBlank()
                ? waypoint.canonicalService() + "." + waypoint.namespace() : settings.serviceName();
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
                        io.opentelemetry.api.common.AttributeKey.stringKey("service.name"), serviceName))))
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(settings.sampling() / 100.0)))
                .addSpanProcessor(processor)
                .build();
        AttributesBuilder common = Attributes.builder()
                .put("component", "proxy")
                .put("node_id", waypoint.nodeId())
                .put("istio.canonical_service", waypoint.canonicalService())
                .put("istio.canonical_revision", waypoint.canonicalRevision())
                .put("istio.namespace", waypoint.namespace())
                .put("istio.mesh_id", waypoint.meshId())
                .put("istio.cluster_id", waypoint.clusterId());
        return new RequestTracer(provider, provider.get("io.ambit.waypoint"), common.build());
    }

    public boolean enabled() {
        return tracer != null;
    }

    /**
     * The server span of a request that arrived with {@code headers} at {@code start}, its parent the
     * caller's span when the headers carry a valid {@code traceparent}. Only when {@link #enabled()}.
     */
    public RequestSpan start(HttpHeaders headers, String operation, Instant start) {
        Context parent = W3c.PROPAGATOR.extract(Context.root(), headers, W3c.HEADERS);
        Span span = tracer.spanBuilder(operation).setParent(parent).setSpanKind(SpanKind.SERVER)
                .setStartTimestamp(start).startSpan();
        return new RequestSpan(span, common);
    }

    static W3CTraceContextPropagator propagator() {
        return W3c.PROPAGATOR;
    }

    /** Exports what is batched now and waits (at most 10 s) until the collector took it. */
    public void flush() {
        if (provider != null) {
            provider.forceFlush().join(10, TimeUnit.SECONDS);
        }
    }

    /** Exports what is still batched, then stops. */
    @Override
    public void close() {
        if (provider != null) {
            provider.shutdown().join(10, TimeUnit.SECONDS);
        }
    }
}
