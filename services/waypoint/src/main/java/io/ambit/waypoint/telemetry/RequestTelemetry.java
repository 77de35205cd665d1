package io.ambit.waypoint.telemetry;

import java.time.format.DateTimeFormatter;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ambit.identity.SpiffeId;
import io.ambit.identity.WorkloadIdentity;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * Istio's standard HTTP metrics as a waypoint reports them ({@code reporter="waypoint"}) and one
 * access-log line per request in Envoy's default format (logger {@code io.ambit.waypoint.access}).
 * Labels follow Istio's standard metrics; what the waypoint cannot know from the tunnel (the source
 * workload's name, app and version, the destination pod's labels) is {@code unknown}, as Istio
 * reports a missing value.
 */
public final class RequestTelemetry {

    private static final Logger access = LoggerFactory.getLogger("io.ambit.waypoint.access");
    private static final String UNKNOWN = "unknown";

    private final MeterRegistry registry;
    private final String cluster;

    /** @param cluster the mesh's cluster id ({@code source_cluster}/{@code destination_cluster}) */
    public RequestTelemetry(MeterRegistry registry, String cluster) {
        this.registry = registry;
        this.cluster = cluster;
    }

    /** A client reset an HTTP/2 stream inside a tunnel (rapid-reset floods are bounded per connection). */
    public void http2StreamReset() {
        Counter.builder("ambit_waypoint_http2_stream_resets_total").description("HTTP/2 streams the client reset inside tunnels")
                .register(registry).increment();
    }

    public void record(RequestRecord r) {
        Tags tags = tags(r);
        Counter.builder("istio_requests_total").tags(tags).register(registry).increment();
        DistributionSummary.builder("istio_request_duration_milliseconds").baseUnit("milliseconds").tags(tags)
                .publishPercentileHistogram().register(registry).record(r.durationMillis());
        DistributionSummary.builder("istio_request_bytes").baseUnit("bytes").tags(tags).register(registry).record(r.bytesReceived());
        DistributionSummary.builder("istio_response_bytes").baseUnit("bytes").tags(tags).register(registry).record(r.bytesSent());
        access.info(line(r));
    }

    /**
     * One TCP connection through a TCP chain, reported as Istio's {@code istio_tcp_*} metrics: counted
     * opened when it is accepted, bytes as they flow (received: from the client; sent: to it) and
     * closed with the response flags it ended with.
     */
    public TcpConnection tcpOpened(Optional<SpiffeId> source, String destinationService) {
        return new TcpConnection(source, destinationService);
    }

    public final class TcpConnection {
        private final Optional<SpiffeId> source;
        private final String destinationService;
        private final Counter received;
        private final Counter sent;

        private TcpConnection(Optional<SpiffeId> source, String destinationService) {
            this.source = source;
            this.destinationService = destinationService;
            Tags tags = tcpTags("-");
            Counter.builder("istio_tcp_connections_opened_total").tags(tags).register(registry).increment();
            received = Counter.builder("istio_tcp_received_bytes_total").baseUnit("bytes").tags(tags).register(registry);
            sent = Counter.builder("istio_tcp_sent_bytes_total").baseUnit("bytes").tags(tags).register(registry);
        }

        private Tags tcpTags(String flags) {
            return common(source, destinationService).and("request_protocol", "tcp").and("response_flags", flags)
                    .and("connection_security_policy", "mutual_tls");
        }

        public void received(long bytes) {
            received.increment(bytes);
        }

        public void sent(long bytes) {
            sent.increment(bytes);
        }

        /** @param flags Envoy's response flags the connection ended with ({@code -}, {@code UF}, {@code UH}…) */
        public void closed(String flags) {
            Counter.builder("istio_tcp_connections_closed_total").tags(tcpTags(flags)).register(registry).increment();
        }
    }

    private Tags tags(RequestRecord r) {
        return common(r.source(), r.destinationService())
                .and("request_protocol", r.grpc() ? "grpc" : "http")
                .and("response_code", Integer.toString(r.status()))
                .and("grpc_response_status", r.grpcStatus())
                .and("response_flags", r.flags())
                .and("connection_security_policy", "mutual_tls");
    }

    /** The labels HTTP and TCP metrics share: reporter, source and destination. */
    private Tags common(Optional<SpiffeId> sourceId, String destinationService) {
        Optional<WorkloadIdentity> source = sourceId.flatMap(RequestTelemetry::workload);
        String service = destinationService;
        String[] parts = service.split("\\.");
        String serviceName = parts.length > 0 && !service.equals(UNKNOWN) ? parts[0] : UNKNOWN;
        String serviceNamespace = parts.length > 1 ? parts[1] : UNKNOWN;
        return Tags.of("reporter", "waypoint")
                .and("source_workload", UNKNOWN)
                .and("source_canonical_service", UNKNOWN)
                .and("source_canonical_revision", UNKNOWN)
                .and("source_workload_namespace", source.map(WorkloadIdentity::namespace).orElse(UNKNOWN))
                .and("source_principal", sourceId.map(SpiffeId::toString).orElse(UNKNOWN)) // spiffe://…, as istio/proxy's waypoint testdata
                .and("source_app", UNKNOWN)
                .and("source_version", UNKNOWN)
                .and("source_cluster", cluster)
                .and("destination_workload", UNKNOWN)
                .and("destination_workload_namespace", serviceNamespace)
                .and("destination_principal", UNKNOWN)
                .and("destination_app", UNKNOWN)
                .and("destination_version", UNKNOWN)
                .and("destination_service", service)
                .and("destination_canonical_service", serviceName)
                .and("destination_canonical_revision", UNKNOWN)
                .and("destination_service_name", serviceName)
                .and("destination_service_namespace", serviceNamespace)
                .and("destination_cluster", cluster);
    }

    private static Optional<WorkloadIdentity> workload(SpiffeId id) {
        try {
            return Optional.of(WorkloadIdentity.from(id));
        } catch (RuntimeException e) {
            return Optional.empty(); // not a Kubernetes workload identity
        }
    }

    /**
     * Envoy's default format: {@code [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%"
     * %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%
     * "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"},
     * followed by what Istio's format adds: the upstream cluster, the route name, the source identity.
     */
    static String line(RequestRecord r) {
        return "[" + DateTimeFormatter.ISO_INSTANT.format(r.start()) + "] \"" + r.method() + " " + r.path() + " " + r.protocol() + "\" "
                + r.status() + " " + r.flags() + " " + r.details() + " " + r.bytesReceived() + " " + r.bytesSent() + " "
                + r.durationMillis() + " - \"" + r.downstreamPeer() + "\" \"" + dash(r.userAgent()) + "\" \"" + dash(r.requestId())
                + "\" \"" + dash(r.authority()) + "\" \"" + r.upstreamHost() + "\" " + dash(r.cluster()) + " " + dash(r.route()) + " "
                + r.source().map(SpiffeId::toString).orElse("-") + " attempts=" + r.attempts();
    }

    private static String dash(String v) {
        return v == null || v.isEmpty() ? "-" : v;
    }
}
