package io.ambit.waypoint.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** The tracing settings refuse what would fail later, or silently: a sampling outside 0–100, an endpoint that is no http(s) URL. */
class TracingPropertiesTest {

    @Test
    void samplingIsAPercentage() {
        for (double bad : new double[] {-0.1, 100.5, Double.NaN}) {
            assertThatThrownBy(() -> new TracingProperties(true, bad, "http://collector:4318/v1/traces", Duration.ofSeconds(1), null))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ambit.waypoint.tracing.sampling");
        }
        assertThat(new TracingProperties(true, 0.0, "http://c:4318/v1/traces", Duration.ofSeconds(1), null).sampling()).isZero();
        assertThat(new TracingProperties(true, 100.0, "http://c:4318/v1/traces", Duration.ofSeconds(1), null).sampling()).isEqualTo(100.0);
    }

    @Test
    void theEndpointMustBeAnHttpUrlWhenTracingIsOn() {
        for (String bad : new String[] {"collector:4318", "grpc://collector:4317", "http://", "not a url"}) {
            assertThatThrownBy(() -> new TracingProperties(true, 1.0, bad, Duration.ofSeconds(1), null))
                    .as(bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ambit.waypoint.tracing.endpoint");
        }
        // off: the endpoint is not used, so not judged
        assertThat(new TracingProperties(false, 1.0, "collector:4318", Duration.ofSeconds(1), null).enabled()).isFalse();
    }

    @Test
    void offCreatesNoTracer() {
        assertThat(RequestTracer.create(TracingProperties.off(), new WaypointTags(null, null, null, null, null, null)))
                .isSameAs(RequestTracer.OFF);
        assertThat(RequestTracer.OFF.enabled()).isFalse();
        RequestTracer.OFF.flush();
        RequestTracer.OFF.close();
    }

    @Test
    void aCollectorThatIsNotThereCostsNothingButTheSpans() throws Exception {
        int port;
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort(); // closed again: nothing listens there
        }
        try (RequestTracer tracer = RequestTracer.create(new TracingProperties(true, 100.0,
                "http://127.0.0.1:" + port + "/v1/traces", Duration.ofSeconds(2), null), new WaypointTags("n", "w", null, "ns", null, null))) {
            RequestSpan span = tracer.start(new io.netty.handler.codec.http.DefaultHttpHeaders(), "/", java.time.Instant.now());
            var upstream = new io.netty.handler.codec.http.DefaultHttpHeaders();
            span.inject(upstream);
            assertThat(upstream.get("traceparent")).isEqualTo(span.traceparent()).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
            tracer.flush(); // the export fails and is dropped; nothing is thrown at the data path
        }
    }
}
