package io.ambit.ztunnel.telemetry;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import io.ambit.ztunnel.telemetry.ConnectionLabels.Reporter;

/**
 * Telemetry for one proxied connection, from open to end: {@code istio_tcp_connections_opened}
 * when it starts; when it ends, {@code _closed}, the byte counters and, when it failed or was
 * refused, {@code istio_tcp_connections_failed}, all with the final {@code response_flags}; and
 * one access-log line. {@code istio_tcp_sockets_open} follows the connections from open to end. Bytes are counted while the connection is open, as ztunnel counts them as
 * they flow (its {@code copy.rs}), with the labels the connection opened with: {@link
 * #reportProgress()} adds what each open connection carried since its last report, and the end
 * adds the rest. A connection open for hours therefore shows its bytes from the start.
 */
public final class ConnectionTelemetry {

    /** The response flag of a normal connection. */
    public static final String NO_FLAGS = "-";

    private final TcpMetrics metrics;
    private final Clock clock;
    /** Open connections whose bytes are followed (see {@link Tracked#follow}). */
    private final Set<Tracked> followed = ConcurrentHashMap.newKeySet();

    public ConnectionTelemetry(TcpMetrics metrics, Clock clock) {
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * @param reporter which ztunnel reports: the source's (outbound) or the destination's (inbound)
     * @param mutualTls whether the connection crossed the mesh over mutual TLS
     */
    public Tracked open(Reporter reporter, InetSocketAddress source, Peer sourcePeer, InetSocketAddress destination,
            Optional<InetSocketAddress> hboneAddress, Optional<ServiceDescription> service, Peer destinationPeer, boolean mutualTls) {
        Tracked tracked = new Tracked(reporter, source, sourcePeer, destination, hboneAddress, service, destinationPeer,
                mutualTls, clock.instant());
        metrics.of(tracked.labels(NO_FLAGS)).opened().increment();
        metrics.socketOpened(reporter);
        return tracked;
    }

    /**
     * Adds to the byte counters what every followed connection carried since its last report.
     * Run periodically from one thread; each connection's relay counts are written by its own
     * event loops only and merely read here.
     */
    public void reportProgress() {
        followed.forEach(Tracked::reportProgress);
    }

    /** Bytes a connection carried so far. */
    public record Bytes(long fromSource, long fromDestination) {
    }

    /** An open connection; {@link #finish} records its end exactly once. */
    public final class Tracked {
        private final Reporter reporter;
        private final InetSocketAddress source;
        private final Peer sourcePeer;
        private final InetSocketAddress destination;
        private final Optional<InetSocketAddress> hboneAddress;
        private final Optional<ServiceDescription> service;
        private final Peer destinationPeer;
        private final boolean mutualTls;
        private final Instant start;
        private final AtomicBoolean finished = new AtomicBoolean();
        private volatile Supplier<Bytes> progress;
        /** Bytes already added to the counters; guarded by this. */
        private long reportedFromSource;
        private long reportedFromDestination;

        private Tracked(Reporter reporter, InetSocketAddress source, Peer sourcePeer, InetSocketAddress destination,
                Optional<InetSocketAddress> hboneAddress, Optional<ServiceDescription> service, Peer destinationPeer,
                boolean mutualTls, Instant start) {
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

        /** From now on {@link #reportProgress()} counts this connection's bytes while it is open. */
        public void follow(Supplier<Bytes> bytesSoFar) {
            progress = bytesSoFar;
            followed.add(this);
            if (finished.get()) {
                followed.remove(this); // ended meanwhile: finish counted everything
            }
        }

        private void reportProgress() {
            Supplier<Bytes> bytes = progress;
            if (bytes != null && !finished.get()) {
                Bytes now = bytes.get();
                addBytes(now.fromSource(), now.fromDestination());
            }
        }

        /** Adds what was not counted yet to the counters with the labels the connection opened with. */
        private synchronized void addBytes(long fromSource, long fromDestination) {
            TcpMetrics.Counters counters = metrics.of(labels(NO_FLAGS));
            if (fromSource > reportedFromSource) {
                counters.received().increment(fromSource - reportedFromSource);
                reportedFromSource = fromSource;
            }
            if (fromDestination > reportedFromDestination) {
                counters.sent().increment(fromDestination - reportedFromDestination);
                reportedFromDestination = fromDestination;
            }
        }

        /**
         * @param fromSource    bytes carried from the source towards the destination (Istio's "received")
         * @param fromDestination bytes carried back (Istio's "sent")
         * @param responseFlags {@link #NO_FLAGS}, or why it failed (one of {@link ResponseFlags})
         */
        public void finish(long fromSource, long fromDestination, String responseFlags, Optional<String> error) {
            if (!finished.compareAndSet(false, true)) {
                return;
            }
            followed.remove(this);
            metrics.socketClosed(reporter);
            addBytes(fromSource, fromDestination);
            TcpMetrics.Counters counters = metrics.of(labels(responseFlags));
            counters.closed().increment();
            if (!NO_FLAGS.equals(responseFlags)) {
                counters.failed().increment();
            }
            Duration duration = Duration.between(start, clock.instant());
            AccessLog.write(new AccessLog.Entry(reporter == Reporter.SOURCE ? "outbound" : "inbound", source, sourcePeer,
                    destination, hboneAddress, service.map(ServiceDescription::hostname), destinationPeer, fromSource, fromDestination, duration,
                    error.map(e -> NO_FLAGS.equals(responseFlags) ? e : responseFlags + ": " + e)));
        }

        /** Refused or failed before any byte was relayed. */
        public void fail(String responseFlags, String error) {
            finish(0, 0, responseFlags, Optional.of(error));
        }
    }
}
