package io.ambit.ztunnel.telemetry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Istio's TCP metrics: {@code istio_tcp_connections_opened_total},
 * {@code istio_tcp_connections_closed_total}, {@code istio_tcp_sent_bytes_total},
 * {@code istio_tcp_received_bytes_total}, {@code istio_tcp_connections_failed_total} (the Prometheus registry adds {@code _total}), with
 * {@link ConnectionLabels}. Counters are looked up once per label set, not per event: bytes are
 * counted on every flush of a relay.
 */
public final class TcpMetrics {

    private final MeterRegistry registry;
    private final Map<ConnectionLabels, Counters> counters = new ConcurrentHashMap<>();

    /** One connection's four counters. */
    public record Counters(Counter opened, Counter closed, Counter sent, Counter received, Counter failed) {
    }

    public TcpMetrics(MeterRegistry registry) {
        this.registry = registry;
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
