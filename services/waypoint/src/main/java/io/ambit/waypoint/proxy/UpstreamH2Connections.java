package io.ambit.waypoint.proxy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.channel.Channel;
import io.netty.handler.codec.http2.Http2FrameCodec;

/**
 * Upstream h2c connections, each inside one HBONE stream to an endpoint's ztunnel, shared by the
 * requests to that endpoint as Envoy's HTTP/2 connection pool shares them: every request is a
 * stream of its own, up to the peer's {@code SETTINGS_MAX_CONCURRENT_STREAMS} at once per connection
 * (and never more than {@code maxStreams}; then another connection is opened). Until the peer's
 * first SETTINGS arrive its limit is unknown, so a new connection carries only its first stream. A connection that closed or exchanged GOAWAY takes no new stream. One that has been
 * without a stream for {@code idleTimeout} is ended. Keyed as {@link UpstreamConnections.Key}.
 */
final class UpstreamH2Connections {

    /** One h2c connection: the HBONE stream that carries it and its codec. */
    static final class Carrier {
        private final UpstreamConnections.Key key;
        private final Channel tunnel;
        private final Http2FrameCodec codec;
        private int active;
        private long idleGeneration;

        private Carrier(UpstreamConnections.Key key, Channel tunnel, Http2FrameCodec codec) {
            this.key = key;
            this.tunnel = tunnel;
            this.codec = codec;
        }

        Channel tunnel() {
            return tunnel;
        }

        private boolean usable() {
            return tunnel.isActive() && !codec.connection().goAwayReceived() && !codec.connection().goAwaySent();
        }

        /**
         * How many streams this connection may carry at once: the peer's SETTINGS_MAX_CONCURRENT_STREAMS
         * (RFC 9113 §6.5.2: it limits the streams we open), capped by {@code maxStreams}; 1 before its SETTINGS.
         */
        private int streamLimit(int maxStreams) {
            if (!codec.decoder().prefaceReceived()) {
                return 1;
            }
            return Math.min(maxStreams, codec.connection().local().maxActiveStreams());
        }
    }

    /**
     * Closes an h2c connection's tunnel when the destination ends its side (END_STREAM: its pod closed
     * the connection without a GOAWAY, as a killed process does): nothing more can arrive on it, so it
     * must leave the pool rather than take the next request.
     */
    static final io.netty.channel.ChannelInboundHandler CLOSE_ON_PEER_END = new PeerEndCloser();

    @io.netty.channel.ChannelHandler.Sharable
    private static final class PeerEndCloser extends io.netty.channel.ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(io.netty.channel.ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt == TunnelFrames.PEER_ENDED) {
                ctx.close();
                return;
            }
            super.userEventTriggered(ctx, evt);
        }
    }

    private final Duration idleTimeout;
    private final int maxStreams;
    private final Map<UpstreamConnections.Key, List<Carrier>> carriers = new HashMap<>();
    private final AtomicLong reused = new AtomicLong();
    private boolean closed;

    UpstreamH2Connections(Duration idleTimeout, int maxStreams) {
        if (maxStreams < 1) {
            throw new IllegalArgumentException("maxStreams must be positive: " + maxStreams);
        }
        this.idleTimeout = idleTimeout;
        this.maxStreams = maxStreams;
    }

    /** A connection for {@code key} with room for one more stream, that stream counted; null when none. */
    Carrier acquire(UpstreamConnections.Key key) {
        synchronized (carriers) {
            for (Carrier c : carriers.getOrDefault(key, List.of())) {
                if (c.active < c.streamLimit(maxStreams) && c.usable()) {
                    c.active++;
                    c.idleGeneration++;
                    reused.incrementAndGet();
                    return c;
                }
            }
            return null;
        }
    }

    /** A connection just made for {@code key}, its first stream counted; it leaves the pool when it closes. */
    Carrier register(UpstreamConnections.Key key, Channel tunnel, Http2FrameCodec codec) {
        Carrier c = new Carrier(key, tunnel, codec);
        c.active = 1;
        synchronized (carriers) {
            if (!closed) {
                carriers.computeIfAbsent(key, k -> new ArrayList<>()).add(c);
            }
        }
        tunnel.closeFuture().addListener(f -> forget(c));
        return c;
    }

    /** A stream on {@code c} ended (or failed to open): the connection waits for the next, or ends after the idle timeout. */
    void release(Carrier c) {
        long generation;
        synchronized (carriers) {
            c.active--;
            if (c.active > 0) {
                return;
            }
            generation = ++c.idleGeneration;
        }
        c.tunnel.eventLoop().schedule(() -> {
            synchronized (carriers) {
                if (c.active > 0 || c.idleGeneration != generation) {
                    return; // taken again meanwhile
                }
            }
            forget(c);
            c.tunnel.close();
        }, idleTimeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Each held connection's stream limit now (for tests). */
    List<Integer> streamLimits() {
        synchronized (carriers) {
            return carriers.values().stream().flatMap(List::stream).map(c -> c.streamLimit(maxStreams)).toList();
        }
    }

    long reused() {
        return reused.get();
    }

    /** Connections held now, busy or not. */
    int count() {
        synchronized (carriers) {
            return carriers.values().stream().mapToInt(List::size).sum();
        }
    }

    /** Closes the connections without a stream; busy ones stay until their streams end. */
    void closeIdle() {
        List<Carrier> idle = new ArrayList<>();
        synchronized (carriers) {
            carriers.values().forEach(list -> list.stream().filter(c -> c.active == 0).forEach(idle::add));
        }
        idle.forEach(c -> {
            forget(c);
            c.tunnel.close();
        });
    }

    void close() {
        synchronized (carriers) {
            closed = true;
        }
        closeIdle();
    }

    private void forget(Carrier c) {
        synchronized (carriers) {
            List<Carrier> list = carriers.get(c.key);
            if (list != null && list.remove(c) && list.isEmpty()) {
                carriers.remove(c.key);
            }
        }
    }
}
