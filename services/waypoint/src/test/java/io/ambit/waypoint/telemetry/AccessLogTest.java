package io.ambit.waypoint.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

import io.ambit.identity.SpiffeId;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** The access log written off the event loop: one line per request, in order, bounded, drops counted. */
class AccessLogTest {

    static RequestRecord request(int n) {
        return new RequestRecord(Instant.parse("2026-12-03T10:15:30.123Z"), "GET", "/item/" + n, "HTTP/1.1", 200, "-", "via_upstream",
                12, 1024, 3, "10.244.2.11:8080", "outbound|80||web.shop.svc.cluster.local", "default", "web.shop:80", "id-" + n,
                "curl/8", Optional.of(SpiffeId.parse("spiffe://cluster.local/ns/shop/sa/client")), "10.244.1.1:40000",
                "web.shop.svc.cluster.local", 1, false, "", InetAddress.ofLiteral("10.244.1.10"), InetAddress.ofLiteral("10.244.2.11"));
    }

    @Test
    void eachRequestIsOneLineInEnvoysFormatInOrder() {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (AccessLog log = new AccessLog(sink, 100, true)) {
            for (int i = 0; i < 50; i++) {
                log.write(request(i));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> log.written() == 50);
            assertThat(log.dropped()).isZero();
        }
        String[] lines = sink.toString(StandardCharsets.UTF_8).split("\n", -1);
        assertThat(lines).hasSize(51); // the last line ends with a newline too
        assertThat(lines[50]).isEmpty();
        assertThat(lines[0]).isEqualTo("[2026-12-03T10:15:30.123Z] \"GET /item/0 HTTP/1.1\" 200 - via_upstream 12 1024 3 - "
                + "\"10.244.1.1:40000\" \"curl/8\" \"id-0\" \"web.shop:80\" \"10.244.2.11:8080\" outbound|80||web.shop.svc.cluster.local "
                + "default spiffe://cluster.local/ns/shop/sa/client attempts=1");
        for (int i = 0; i < 50; i++) {
            assertThat(lines[i]).contains("\"GET /item/" + i + " HTTP/1.1\"");
        }
    }

    static RequestRecord hostile(String path, String authority, String userAgent, String requestId) {
        return new RequestRecord(Instant.parse("2026-12-03T10:15:30.123Z"), "GET", path, "HTTP/2", 200, "-", "via_upstream",
                0, 2, 3, "10.244.2.11:8080", "outbound|80||web.shop.svc.cluster.local", "default", authority, requestId,
                userAgent, Optional.empty(), "10.244.1.1:40000", "web.shop.svc.cluster.local", 1, false, "");
    }

    @Test
    void clientChosenValuesCannotForgeALineNorCloseTheirQuotedField() {
        // what a client can put in a value Netty's HTTP/2 decoder does not check: CR/LF (a forged second
        // line), a quote (an early end of the field), a backslash, an escape sequence, bytes outside ASCII
        String forged = "x\r\n[2026-12-03T10:15:31.000Z] \"GET /admin HTTP/1.1\" 200";
        String line = RequestTelemetry.line(hostile("/a\"b\\c\tz\u00e9", "web\n.shop:80", forged, "id\u001b[31m\u007f"));

        assertThat(line).doesNotContain("\n").doesNotContain("\r").doesNotContain("\t").doesNotContain("\u001b");
        assertThat(line).isEqualTo("[2026-12-03T10:15:30.123Z] \"GET /a\\\"b\\\\c\\tz\\xe9 HTTP/2\" 200 - via_upstream 0 2 3 - "
                + "\"10.244.1.1:40000\" \"x\\r\\n[2026-12-03T10:15:31.000Z] \\\"GET /admin HTTP/1.1\\\" 200\" \"id\\x1b[31m\\x7f\" "
                + "\"web\\n.shop:80\" \"10.244.2.11:8080\" outbound|80||web.shop.svc.cluster.local default - attempts=1");
        // every quoted field still closes where it should: an even number of unescaped quotes
        assertThat(line.replace("\\\\", "").replace("\\\"", "").chars().filter(c -> c == '"').count()).isEqualTo(12);
        // a character beyond one byte (not from a header) is written as its UTF-8 bytes
        assertThat(RequestTelemetry.line(hostile("/\u20ac\ud83d\ude00", "a", "b", "c"))).contains("\"GET /\\xe2\\x82\\xac\\xf0\\x9f\\x98\\x80 HTTP/2\"");
    }

    @Test
    void theWriterKeepsOneRequestPerLineWhateverTheValues() {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (AccessLog log = new AccessLog(sink, 100, true)) {
            log.write(hostile("/x", "a:80", "evil\nforged line", "id"));
            log.write(request(1));
            await().atMost(Duration.ofSeconds(10)).until(() -> log.written() == 2);
        }
        assertThat(sink.toString(StandardCharsets.UTF_8).split("\n", -1)).hasSize(3);
    }

    @Test
    void aWriterThatFallsBehindDropsAndCountsLinesWithoutBlockingTheCaller() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        OutputStream stuck = new OutputStream() {
            @Override
            public void write(int b) {
                written.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                try {
                    release.await(); // a sink that does not drain (a full pipe)
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                written.write(b, off, len);
            }
        };
        int offered = 0;
        long writtenLines;
        try (AccessLog log = new AccessLog(stuck, 4, true)) {
            // the writer takes some lines and blocks in write(); the queue of 4 fills; the rest are dropped
            while (log.dropped() == 0) {
                log.write(request(offered++));
                if (offered > 10_000) {
                    break;
                }
            }
            assertThat(log.dropped()).as("the caller never blocks; a full queue drops").isPositive();
            release.countDown();
            long dropped = log.dropped();
            int total = offered;
            await().atMost(Duration.ofSeconds(10)).until(() -> log.written() + dropped == total);
            writtenLines = log.written();
        }
        String text = written.toString(StandardCharsets.UTF_8);
        assertThat(text.lines()).hasSize((int) writtenLines).allMatch(l -> l.startsWith("[") && l.endsWith("attempts=1"));
    }

    @Test
    void aFailingSinkCountsItsLinesAsDroppedAndTheWriterKeepsGoing() {
        OutputStream broken = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("broken pipe");
            }
        };
        try (AccessLog log = new AccessLog(broken, 100, true)) {
            log.write(request(1));
            await().atMost(Duration.ofSeconds(10)).until(() -> log.dropped() == 1);
            log.write(request(2));
            await().atMost(Duration.ofSeconds(10)).until(() -> log.dropped() == 2);
            assertThat(log.written()).isZero();
        }
    }

    @Test
    void linesQueuedBeforeCloseAreWrittenAndNoneAfter() {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        AccessLog log = new AccessLog(sink, 100, true);
        log.write(request(1));
        log.close();
        assertThat(log.written()).isEqualTo(1);
        log.write(request(2));
        assertThat(log.written()).isEqualTo(1);
        assertThat(log.dropped()).isZero();
    }

    @Test
    void aCapacityBelowOneIsRefused() {
        assertThatThrownBy(() -> new AccessLog(new ByteArrayOutputStream(), 0, true)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1");
    }

    @Test
    void droppedLinesAreAMetric() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (AccessLog log = new AccessLog(new ByteArrayOutputStream(), 1, true)) {
            new RequestTelemetry(registry, "Kubernetes", a -> Optional.empty(), log);
            assertThat(registry.find("ambit_waypoint_access_log_dropped").functionCounter()).isNotNull();
        }
    }
}
