package io.ambit.ztunnel.telemetry;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import io.ambit.ztunnel.telemetry.ConnectionLabels.Reporter;

/**
 * Telemetry for one proxied connection, from open to end: {@code istio_tcp_connections_opened}
 * when it starts; when it ends, {@code _closed}, the byte counters and, when it failed or was
 * refused, {@code istio_tcp_connections_failed}, all with the final {@code response_flags}; and
 * one access-log line. As in ztunnel, bytes are counted when the connection ends.
 */
public final class ConnectionTelemetry {

    /** The response flag of a normal connection. */
    public static final String NO_FLAGS = "-";

    private final TcpMetrics metrics;
    private final Clock clock;

    public ConnectionTelemetry(TcpMetrics metrics, Clock clock) {
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * @param reporter which ztunnel reports: the source's (outbound) or the destination's (inbound)
     * @param mutualTls whether the connection crossed the mesh over mutual TLS
     */
    public Tracked open(Reporter reporter, InetSocketAddress source, Peer sourcePeer, InetSocketAddress destination,
            Optional<InetSocketAddress> hboneAddress, Optional<String> service, Peer destinationPeer, boolean mutualTls) {
        Tracked tracked = new Tracked(reporter, source, sourcePeer, destination, hboneAddress, service, destinationPeer,
                mutualTls, clock.instant());
        metrics.of(tracked.labels(NO_FLAGS)).opened().increment();
        return tracked;
    }

    /** An open connection; {@link #finish} records its end exactly once. */
    public final class Tracked {
        private final Reporter reporter;
        private final InetSocketAddress source;
        private final Peer sourcePeer;
        private final InetSocketAddress destination;
        private final Optional<InetSocketAddress> hboneAddress;
        private final Optional<String> service;
        private final Peer destinationPeer;
        private final boolean mutualTls;
        private final Instant start;
        private final AtomicBoolean finished = new AtomicBoolean();

        private Tracked(Reporter reporter, InetSocketAddress source, Peer sourcePeer, InetSocketAddress destination,
                Optional<InetSocketAddress> hboneAddress, Optional<String> service, Peer destinationPeer, boolean mutualTls,
                Instant start) {
            this.reporter = reporter;
            this.source = source;
            this.sourcePeer = sourcePeer;
            this.destination = destination;
            this.hboneAddress = hboneAddress;
            this.service = service;
            this.destinationPeer = destinationPeer;
            this.mutualTls = mutualTls;
            this.start = start;
        }

        private ConnectionLabels labels(String flags) {
            return ConnectionLabels.of(reporter, sourcePeer, destinationPeer, service, mutualTls, flags);
        }

        /**
         * @param fromSource    bytes carried from the source towards the destination (Istio's "received")
         * @param fromDestination bytes carried back (Istio's "sent")
         * @param responseFlags {@link #NO_FLAGS}, or why it failed ({@code DENY}, {@code CONNECT}, …)
         */
        public void finish(long fromSource, long fromDestination, String responseFlags, Optional<String> error) {
            if (!finished.compareAndSet(false, true)) {
                return;
            }
            TcpMetrics.Counters counters = metrics.of(labels(responseFlags));
            counters.closed().increment();
            counters.received().increment(fromSource);
            counters.sent().increment(fromDestination);
            if (!NO_FLAGS.equals(responseFlags)) {
                counters.failed().increment();
            }
            Duration duration = Duration.between(start, clock.instant());
            AccessLog.write(new AccessLog.Entry(reporter == Reporter.SOURCE ? "outbound" : "inbound", source, sourcePeer,
                    destination, hboneAddress, service, destinationPeer, fromSource, fromDestination, duration,
                    error.map(e -> NO_FLAGS.equals(responseFlags) ? e : responseFlags + ": " + e)));
        }

        /** Refused or failed before any byte was relayed. */
        public void fail(String responseFlags, String error) {
            finish(0, 0, responseFlags, Optional.of(error));
        }
    }
}
