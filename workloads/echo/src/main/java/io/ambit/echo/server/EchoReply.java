package io.ambit.echo.server;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import io.ambit.echo.Addresses;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;

/**
 * The answer to an HTTP request: status 200 (or {@code ?status=NNN}; or 503 for every Nth request
 * carrying {@code ?fail_every=N}, a backend that fails now and then; sent after {@code ?delay=MS}
 * milliseconds, a slow backend) and a plain-text body of
 * {@code key=value} lines in the manner of Istio's echo app, padded to {@code ?size=N} bytes.
 *
 * @param body ISO-8859-1, so that header values come back byte for byte as they were sent
 */
record EchoReply(HttpResponseStatus status, byte[] body, int size, int delayMillis) {

    /** The longest {@code ?delay=} honoured, in milliseconds. */
    static final int MAX_DELAY_MILLIS = 60_000;

    /** The largest {@code ?size=} honoured. */
    static final int MAX_SIZE = 16 << 20;

    static final String CONTENT_TYPE = "text/plain";

    /** Requests seen with {@code ?fail_every=N}, across the server (one process is one pod). */
    private static final java.util.concurrent.atomic.AtomicLong FAIL_EVERY_COUNTER = new java.util.concurrent.atomic.AtomicLong();

    static EchoReply answer(SeenRequest request, ServerIdentity identity) {
        QueryStringDecoder query = new QueryStringDecoder(request.url());
        Map<String, List<String>> parameters;
        try {
            parameters = query.parameters();
        } catch (IllegalArgumentException e) {
            return badRequest("the query string is malformed: " + e.getMessage());
        }
        int status = 200;
        int size = 0;
        String statusText = first(parameters, "status");
        if (statusText != null) {
            status = parse(statusText, 200, 599);
            if (status < 0) {
                return badRequest("status must be a number from 200 to 599, got '" + statusText + "'");
            }
        }
        String failText = first(parameters, "fail_every");
        if (failText != null) {
            int every = parse(failText, 2, 1000);
            if (every < 0) {
                return badRequest("fail_every must be a number from 2 to 1000, got '" + failText + "'");
            }
            // a flaky backend for retry demos: every Nth request this server sees with the parameter gets 503
            if (FAIL_EVERY_COUNTER.incrementAndGet() % every == 0) {
                status = 503;
            }
        }
        int delay = 0;
        String delayText = first(parameters, "delay");
        if (delayText != null) {
            delay = parse(delayText, 0, MAX_DELAY_MILLIS);
            if (delay < 0) {
                return badRequest("delay must be a number of milliseconds from 0 to " + MAX_DELAY_MILLIS + ", got '" + delayText + "'");
            }
        }
        String sizeText = first(parameters, "size");
        if (sizeText != null) {
            size = parse(sizeText, 0, MAX_SIZE);
            if (size < 0) {
                return badRequest("size must be a number from 0 to " + MAX_SIZE + ", got '" + sizeText + "'");
            }
        }
        StringBuilder body = new StringBuilder(256)
                .append("ServiceVersion=").append(identity.serviceVersion()).append('\n')
                .append("Pod=").append(identity.pod()).append('\n')
                .append("Method=").append(request.method()).append('\n')
                .append("URL=").append(request.url()).append('\n')
                .append("Proto=").append(request.proto()).append('\n')
                .append("Host=").append(request.host() == null ? "" : request.host()).append('\n')
                .append("RemoteAddr=").append(Addresses.format(request.remote())).append('\n')
                .append("LocalAddr=").append(Addresses.format(request.local())).append('\n')
                .append("StatusCode=").append(status).append('\n');
        for (Map.Entry<String, String> header : request.headers()) {
            body.append("RequestHeader=").append(header.getKey()).append(':').append(header.getValue()).append('\n');
        }
        return new EchoReply(HttpResponseStatus.valueOf(status), body.toString().getBytes(StandardCharsets.ISO_8859_1), size, delay);
    }

    static EchoReply badRequest(String problem) {
        return new EchoReply(HttpResponseStatus.BAD_REQUEST,
                ("bad request: " + problem + "\n").getBytes(StandardCharsets.ISO_8859_1), 0, 0);
    }

    /** 1xx, 204 and 304 answers carry no body (RFC 9110 §6.4.1). */
    boolean hasBody() {
        int code = status.code();
        return code >= 200 && code != 204 && code != 304;
    }

    int contentLength() {
        return hasBody() ? Math.max(body.length, size) : 0;
    }

    /**
     * The body padded to {@code size} with a last {@code Padding=xxx…} line (or bare {@code x}s
     * and a newline when fewer than 9 bytes are missing), so the length is exactly {@code size}.
     */
    ByteBuf content(ByteBufAllocator allocator) {
        int length = contentLength();
        ByteBuf buf = allocator.buffer(length);
        if (length == 0) {
            return buf;
        }
        buf.writeBytes(body);
        int missing = length - body.length;
        if (missing > 0) {
            byte[] prefix = "Padding=".getBytes(StandardCharsets.US_ASCII);
            if (missing > prefix.length) {
                buf.writeBytes(prefix);
                missing -= prefix.length;
            }
            buf.writeCharSequence("x".repeat(missing - 1), StandardCharsets.US_ASCII);
            buf.writeByte('\n');
        }
        return buf;
    }

    private static String first(Map<String, List<String>> parameters, String name) {
        List<String> values = parameters.get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    private static int parse(String text, int min, int max) {
        try {
            int value = Integer.parseInt(text);
            return value >= min && value <= max ? value : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
