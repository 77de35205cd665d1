package io.ambit.waypoint.telemetry;

import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Optional;

import io.ambit.identity.SpiffeId;
import io.ambit.identity.WorkloadIdentity;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * Istio's standard HTTP metrics as a waypoint reports them ({@code reporter="waypoint"}) and one
 * access-log line per request in Envoy's default format, written off the event loop by {@link AccessLog}.
 * Labels follow Istio's standard metrics; what the waypoint cannot know from the tunnel (the source
 * workload's name, app and version, the destination pod's labels) is {@code unknown}, as Istio
 * reports a missing value.
 */
public final class RequestTelemetry {

    private static final String UNKNOWN = "unknown";

    private final MeterRegistry registry;
    private final String cluster;
    private final java.util.function.Function<java.net.InetAddress, Optional<io.ambit.waypoint.config.PeerIndex.Peer>> peers;
    private final AccessLog accessLog;

    /** @param cluster the mesh's cluster id ({@code source_cluster}/{@code destination_cluster}) */
    public RequestTelemetry(MeterRegistry registry, String cluster) {
        this(registry, cluster, address -> Optional.empty());
    }

    /** @param peers the workload at an address (workload discovery): source and destination workload labels */
    public RequestTelemetry(MeterRegistry registry, String cluster,
            java.util.function.Function<java.net.InetAddress, Optional<io.ambit.waypoint.config.PeerIndex.Peer>> peers) {
        this(registry, cluster, peers, AccessLog.stdout());
    }

    /** @param accessLog where the access-log lines go */
    public RequestTelemetry(MeterRegistry registry, String cluster,
            java.util.function.Function<java.net.InetAddress, Optional<io.ambit.waypoint.config.PeerIndex.Peer>> peers,
            AccessLog accessLog) {
        this.registry = registry;
        this.cluster = cluster;
        this.peers = peers;
        this.accessLog = accessLog;
        FunctionCounter.builder("ambit_waypoint_access_log_dropped", accessLog, AccessLog::dropped)
                .description("access-log lines dropped because the writer was behind").register(registry);
    }

    /** A client reset an HTTP/2 stream inside a tunnel (rapid-reset floods are bounded per connection). */
    public void http2StreamReset() {
        Counter.builder("ambit_waypoint_http2_stream_resets_total").description("HTTP/2 streams the client reset inside tunnels")
                .register(registry).increment();
    }

    /** A TCP connection closed by the tcp_proxy idle timeout (Envoy's {@code tcp.<stat_prefix>.idle_timeout}). */
    public void tcpIdleTimeout() {
        Counter.builder("ambit_waypoint_tcp_idle_timeouts_total").description("TCP connections closed after the tcp_proxy idle timeout")
                .register(registry).increment();
    }

    public void record(RequestRecord r) {
        // the key is what the labels are made of, not the labels: building ~24 Tags per request
        // (each and() copies and sorts) cost more than the meters themselves (issue 14)
        var src = peers.apply(r.sourceAddress());
        var dst = peers.apply(r.destinationAddress());
        MeterKey key = new MeterKey(r.source(), r.destinationService(), src, dst, r.grpc(), r.status(), r.grpcStatus(), r.flags());
        RequestMeters m = meters.get(key);
        if (m == null) {
            if (meters.size() >= MAX_CACHED_TAG_SETS) {
                meters.clear(); // a cache only: the registry keeps every meter
            }
            m = meters.computeIfAbsent(key, k -> register(tags(k)));
        }
        m.requests().increment();
        m.duration().record(r.durationMillis());
        m.requestBytes().record(r.bytesReceived());
        m.responseBytes().record(r.bytesSent());
        accessLog.write(r);
    }

    /** Everything a request's labels are computed from (peers as workload discovery knew them then). */
    private record MeterKey(Optional<SpiffeId> source, String destinationService, Optional<io.ambit.waypoint.config.PeerIndex.Peer> src,
                            Optional<io.ambit.waypoint.config.PeerIndex.Peer> dst, boolean grpc, int status, String grpcStatus,
                            String flags) {
    }

    /**
     * The four meters of one tag set, looked up once: registering them per request (four registry
     * look-ups comparing ~20 tags each) was a large share of the waypoint's CPU per request (issue 14).
     */
    private record RequestMeters(Counter requests, DistributionSummary duration, DistributionSummary requestBytes,
                                 DistributionSummary responseBytes) {
    }

    private static final int MAX_CACHED_TAG_SETS = 10_000;
    private final Map<MeterKey, RequestMeters> meters = new java.util.concurrent.ConcurrentHashMap<>();

    private RequestMeters register(Tags tags) {
        return new RequestMeters(Counter.builder("istio_requests_total").tags(tags).register(registry),
                DistributionSummary.builder("istio_request_duration_milliseconds").baseUnit("milliseconds").tags(tags)
                        .publishPercentileHistogram().register(registry),
                DistributionSummary.builder("istio_request_bytes").baseUnit("bytes").tags(tags).register(registry),
                DistributionSummary.builder("istio_response_bytes").baseUnit("bytes").tags(tags).register(registry));
    }

    /**
     * One TCP connection through a TCP chain, reported as Istio's {@code istio_tcp_*} metrics (named
     * without {@code _total}, which the Prometheus registry adds, as ztunnel's): counted
     * opened when it is accepted, bytes as they flow (received: from the client; sent: to it) and
     * closed with the response flags it ended with.
     */
    public TcpConnection tcpOpened(Optional<SpiffeId> source, String destinationService, java.net.InetAddress sourceAddress,
            java.net.InetAddress destinationAddress) {
        return new TcpConnection(source, destinationService, sourceAddress, destinationAddress);
    }

    public final class TcpConnection {
        private final Optional<SpiffeId> source;
        private final String destinationService;
        private final Counter received;
        private final Counter sent;
        private final java.net.InetAddress sourceAddress;
        private final java.net.InetAddress destinationAddress;

        private TcpConnection(Optional<SpiffeId> source, String destinationService, java.net.InetAddress sourceAddress,
                java.net.InetAddress destinationAddress) {
            this.source = source;
            this.destinationService = destinationService;
            this.sourceAddress = sourceAddress;
            this.destinationAddress = destinationAddress;
            Tags tags = tcpTags("-");
            Counter.builder("istio_tcp_connections_opened").tags(tags).register(registry).increment();
            received = Counter.builder("istio_tcp_received_bytes").tags(tags).register(registry);
            sent = Counter.builder("istio_tcp_sent_bytes").tags(tags).register(registry);
        }

        private Tags tcpTags(String flags) {
            return common(source, destinationService, sourceAddress, destinationAddress).and("request_protocol", "tcp").and("response_flags", flags)
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
            Counter.builder("istio_tcp_connections_closed").tags(tcpTags(flags)).register(registry).increment();
        }
    }

    private Tags tags(MeterKey k) {
        return common(k.source(), k.destinationService(), k.src(), k.dst())
                .and("request_protocol", k.grpc() ? "grpc" : "http")
                .and("response_code", Integer.toString(k.status()))
                .and("grpc_response_status", k.grpcStatus())
                .and("response_flags", k.flags())
                .and("connection_security_policy", "mutual_tls");
    }

    /** The labels HTTP and TCP metrics share: reporter, source and destination. */
    private Tags common(Optional<SpiffeId> sourceId, String destinationService, java.net.InetAddress sourceAddress,
            java.net.InetAddress destinationAddress) {
        // the peers as workload discovery knows them: the client by its original address, the
        // destination by the endpoint the request went to (a local reply has none)
        return common(sourceId, destinationService, peers.apply(sourceAddress), peers.apply(destinationAddress));
    }

    private Tags common(Optional<SpiffeId> sourceId, String destinationService, Optional<io.ambit.waypoint.config.PeerIndex.Peer> src,
            Optional<io.ambit.waypoint.config.PeerIndex.Peer> dst) {
        Optional<WorkloadIdentity> source = sourceId.flatMap(RequestTelemetry::workload);
        String service = destinationService;
        String[] parts = service.split("\\.");
        String serviceName = parts.length > 0 && !service.equals(UNKNOWN) ? parts[0] : UNKNOWN;
        String serviceNamespace = parts.length > 1 ? parts[1] : UNKNOWN;
        return Tags.of("reporter", "waypoint")
                .and("source_workload", src.map(p -> p.workload()).orElse(UNKNOWN))
                .and("source_canonical_service", src.map(p -> p.canonicalService()).orElse(UNKNOWN))
                .and("source_canonical_revision", src.map(p -> p.canonicalRevision()).orElse(UNKNOWN))
                .and("source_workload_namespace", src.map(p -> p.namespace()).orElse(source.map(WorkloadIdentity::namespace).orElse(UNKNOWN)))
                .and("source_principal", sourceId.map(SpiffeId::toString).orElse(UNKNOWN)) // the proven identity, spiffe://…
                .and("source_app", src.map(p -> p.canonicalService()).orElse(UNKNOWN))
                .and("source_version", src.map(p -> p.canonicalRevision()).orElse(UNKNOWN))
                .and("source_cluster", src.map(p -> p.cluster()).orElse(cluster))
                .and("destination_workload", dst.map(p -> p.workload()).orElse(UNKNOWN))
                .and("destination_workload_namespace", dst.map(p -> p.namespace()).orElse(serviceNamespace))
                .and("destination_principal", dst.map(p -> p.principal()).orElse(UNKNOWN))
                .and("destination_app", dst.map(p -> p.canonicalService()).orElse(UNKNOWN))
                .and("destination_version", dst.map(p -> p.canonicalRevision()).orElse(UNKNOWN))
                .and("destination_service", service)
                .and("destination_canonical_service", dst.map(p -> p.canonicalService()).orElse(serviceName))
                .and("destination_canonical_revision", dst.map(p -> p.canonicalRevision()).orElse(UNKNOWN))
                .and("destination_service_name", serviceName)
                .and("destination_service_namespace", serviceNamespace)
                .and("destination_cluster", dst.map(p -> p.cluster()).orElse(cluster));
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
        StringBuilder out = new StringBuilder(256);
        appendLine(out, r);
        return out.toString();
    }

    /** Appends {@link #line}'s text (no newline): the access-log writer builds its batches with it. */
    static void appendLine(StringBuilder out, RequestRecord r) {
        out.append('[');
        DateTimeFormatter.ISO_INSTANT.formatTo(r.start(), out);
        out.append("] \"");
        escaped(out, r.method()).append(' ');
        escaped(out, r.path()).append(' ').append(r.protocol()).append("\" ")
                .append(r.status()).append(' ').append(r.flags()).append(' ').append(r.details()).append(' ').append(r.bytesReceived())
                .append(' ').append(r.bytesSent()).append(' ').append(r.durationMillis()).append(" - \"").append(r.downstreamPeer())
                .append("\" \"");
        escaped(out, dash(r.userAgent())).append("\" \"");
        escaped(out, dash(r.requestId())).append("\" \"");
        escaped(out, dash(r.authority())).append("\" \"").append(r.upstreamHost()).append("\" ").append(dash(r.cluster())).append(' ')
                .append(dash(r.route())).append(' ').append(r.source().map(SpiffeId::toString).orElse("-")).append(" attempts=")
                .append(r.attempts());
    }

    /**
     * A value the client chose (path, user agent, request id, authority), written so that it stays
     * inside its field: {@code "} and {@code \} are escaped with a backslash, CR, LF and tab as
     * {@code \r \n \t}, every other control character and every byte outside printable ASCII as
     * {@code \xHH}. Envoy's text formatter writes {@code %REQ(...)%} values as they are
     * (envoyproxy/envoy {@code source/common/formatter/}: no escaping in the text format) and relies
     * on its codecs refusing CR, LF and NUL in header values; here Netty's HTTP/2 decoder does not
     * check header values, so the log cannot rely on the codec. The escapes are those of Envoy's
     * {@code --log-format-escaped} (C-style), so one request stays one line and a quoted field
     * cannot be closed early. Header values reach here one byte per char (ISO-8859-1), so
     * {@code \xHH} is the byte the client sent.
     */
    static StringBuilder escaped(StringBuilder out, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                out.append(c);
                continue;
            }
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\r' -> out.append("\\r");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c <= 0xff) {
                        hex(out, c);
                    } else {
                        // not from a header (those are bytes): the code point's UTF-8 bytes
                        int codePoint = value.codePointAt(i);
                        i += Character.charCount(codePoint) - 1;
                        for (byte b : Character.toString(codePoint).getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                            hex(out, b & 0xff);
                        }
                    }
                }
            }
        }
        return out;
    }

    private static void hex(StringBuilder out, int b) {
        out.append("\\x").append(Character.forDigit(b >> 4, 16)).append(Character.forDigit(b & 0xf, 16));
    }

    private static String dash(String v) {
        return v == null || v.isEmpty() ? "-" : v;
    }
}
