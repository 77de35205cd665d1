package io.ambit.waypoint.tracing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import com.sun.net.httpserver.HttpServer;

/**
 * A real OTLP/HTTP traces receiver on loopback, port 0: it accepts {@code POST /v1/traces} with an
 * {@code application/x-protobuf} {@code ExportTraceServiceRequest} and decodes it by the field
 * numbers of opentelemetry-proto's {@code trace.proto}, {@code common.proto} and
 * {@code trace_service.proto} (so nothing here shares code with the exporter under test).
 */
public final class OtlpReceiver implements AutoCloseable {

    /** One span as the collector received it. */
    public record ReceivedSpan(String traceId, String spanId, String parentSpanId, String traceState, String name, int kind,
                               long startNanos, long endNanos, Map<String, String> attributes, Map<String, String> resource,
                               int statusCode) {
    }

    private final HttpServer server;
    private final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();
    /** Requests that were not a decodable export (each answered 400). */
    private final List<String> refused = new CopyOnWriteArrayList<>();

    public OtlpReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/traces", exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                byte[] body = in.readAllBytes();
                String type = exchange.getRequestHeaders().getFirst("Content-Type");
                if (!"POST".equals(exchange.getRequestMethod()) || type == null || !type.startsWith("application/x-protobuf")) {
                    refused.add(exchange.getRequestMethod() + " " + type);
                    exchange.sendResponseHeaders(400, -1);
                    return;
                }
                try {
                    spans.addAll(decode(body));
                } catch (IOException e) {
                    refused.add("undecodable: " + e.getMessage());
                    exchange.sendResponseHeaders(400, -1);
                    return;
                }
                // an empty ExportTraceServiceResponse: everything accepted
                exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, -1);
            }
        });
        server.start();
    }

    /** The endpoint to configure: {@code http://127.0.0.1:<port>/v1/traces}. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/traces";
    }

    public List<ReceivedSpan> spans() {
        return List.copyOf(spans);
    }

    public List<String> refused() {
        return List.copyOf(refused);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    static List<ReceivedSpan> decode(byte[] body) throws IOException {
        List<ReceivedSpan> out = new ArrayList<>();
        UnknownFieldSet request = UnknownFieldSet.parseFrom(body);
        for (ByteString resourceSpans : lengthDelimited(request, 1)) { // ExportTraceServiceRequest.resource_spans
            UnknownFieldSet rs = UnknownFieldSet.parseFrom(resourceSpans);
            Map<String, String> resource = new LinkedHashMap<>();
            for (ByteString r : lengthDelimited(rs, 1)) { // ResourceSpans.resource
                resource.putAll(attributes(UnknownFieldSet.parseFrom(r), 1)); // Resource.attributes
            }
            for (ByteString scopeSpans : lengthDelimited(rs, 2)) { // ResourceSpans.scope_spans
                for (ByteString s : lengthDelimited(UnknownFieldSet.parseFrom(scopeSpans), 2)) { // ScopeSpans.spans
                    UnknownFieldSet span = UnknownFieldSet.parseFrom(s);
                    int status = 0;
                    for (ByteString st : lengthDelimited(span, 15)) { // Span.status
                        status = (int) varint(UnknownFieldSet.parseFrom(st), 3); // Status.code
                    }
                    out.add(new ReceivedSpan(hex(span, 1), hex(span, 2), hex(span, 4), string(span, 3), string(span, 5),
                            (int) varint(span, 6), fixed64(span, 7), fixed64(span, 8), attributes(span, 9), resource, status));
                }
            }
        }
        return out;
    }

    /** KeyValue {1: key, 2: AnyValue {1: string, 2: bool, 3: int, 4: double}}, each value as text. */
    private static Map<String, String> attributes(UnknownFieldSet message, int field) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (ByteString kv : lengthDelimited(message, field)) {
            UnknownFieldSet pair = UnknownFieldSet.parseFrom(kv);
            String key = string(pair, 1);
            String value = "";
            for (ByteString v : lengthDelimited(pair, 2)) {
                UnknownFieldSet any = UnknownFieldSet.parseFrom(v);
                if (any.hasField(1)) {
                    value = string(any, 1);
                } else if (any.hasField(2)) {
                    value = Boolean.toString(varint(any, 2) != 0);
                } else if (any.hasField(3)) {
                    value = Long.toString(varint(any, 3));
                } else if (any.hasField(4)) {
                    value = Double.toString(Double.longBitsToDouble(fixed64(any, 4)));
                }
            }
            out.put(key, value);
        }
        return out;
    }

    private static List<ByteString> lengthDelimited(UnknownFieldSet message, int field) {
        return message.hasField(field) ? message.getField(field).getLengthDelimitedList() : List.of();
    }

    private static String string(UnknownFieldSet message, int field) {
        List<ByteString> values = lengthDelimited(message, field);
        return values.isEmpty() ? "" : values.getLast().toStringUtf8();
    }

    private static String hex(UnknownFieldSet message, int field) {
        List<ByteString> values = lengthDelimited(message, field);
        return values.isEmpty() ? "" : HexFormat.of().formatHex(values.getLast().toByteArray());
    }

    private static long varint(UnknownFieldSet message, int field) {
        return message.hasField(field) && !message.getField(field).getVarintList().isEmpty()
                ? message.getField(field).getVarintList().getLast() : 0;
    }

    private static long fixed64(UnknownFieldSet message, int field) {
        return message.hasField(field) && !message.getField(field).getFixed64List().isEmpty()
                ? message.getField(field).getFixed64List().getLast() : 0;
    }
}
