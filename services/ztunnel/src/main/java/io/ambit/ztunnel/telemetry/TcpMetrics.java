package io.ambit.ztunnel.telemetry;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.ambit.ztunnel.telemetry.ConnectionLabels.Reporter;
import io.micrometer.core.instrument.Gauge;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Istio's TCP metrics: {@code istio_tcp_connections_opened_total},
 * {@code istio_tcp_connections_closed_total}, {@code istio_tcp_sent_bytes_total},
 * {@code istio_tcp_received_bytes_total}, {@code istio_tcp_connections_failed_total} (the Prometheus registry adds {@code _total}), with
 * {@link ConnectionLabels}; and the gauge {@code istio_tcp_sockets_open} with the one label
 * {@code reporter}, as ztunnel's {@code SocketLabels}. Counters are looked up once per label set, not per event: bytes are
 * counted on every flush of a relay.
 */
public final class TcpMetrics {

    private final MeterRegistry registry;
    private final Map<ConnectionLabels, Counters> counters = new ConcurrentHashMap<>();

    /** One connection's four counters. */
    public record Counters(Counter opened, Counter closed, Counter sent, Counter received, Counter failed) {
    }

    private final Map<Reporter, AtomicLong> openSockets = new EnumMap<>(Reporter.class);

    public TcpMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (Reporter reporter : Reporter.values()) {
            AtomicLong open = new AtomicLong();
            openSockets.put(reporter, open);
            Gauge.builder("istio_tcp_sockets_open", open, AtomicLong::get).tag("reporter", ConnectionLabels.reporter(reporter))
                    .description("The current number of open TCP sockets").register(registry);
        }
    }

    /** A proxied connection's downstream socket was accepted. */
    public void socketOpened(Reporter reporter) {
        openSockets.get(reporter).incrementAndGet();
    }

    /** ... and is closed. */
    public void socketClosed(Reporter reporter) {
        openSockets.get(reporter).decrementAndGet();
    }

    /** Open downstream sockets as {@code istio_tcp_sockets_open} reports them. */
    public long openSockets(Reporter reporter) {
        return openSockets.get(reporter).get();
    }

    public Counters of(ConnectionLabels labels) {
        return counters.computeIfAbsent(labels, l -> new Counters(
                Counter.builder("istio_tcp_connections_opened").tags(l.tags()).description("TCP connections opened").register(registry),
                Counter.builder("istio_tcp_connections_closed").tags(l.tags()).description("TCP connections closed").register(registry),
                // Istio's meaning: sent = during the response (destination to source), received = during the request.
                Counter.builder("istio_tcp_sent_bytes").tags(l.tags())
                        .description("bytes sent during the response (destination to source)").register(registry),
                Counter.builder("istio_tcp_received_bytes").tags(l.tags())
                        .description("bytes received during the request (source to destination)").register(registry),
                Counter.builder("istio_tcp_connections_failed").tags(l.tags())
                        .description("TCP connections that failed or were refused").register(registry)));
    }
}
