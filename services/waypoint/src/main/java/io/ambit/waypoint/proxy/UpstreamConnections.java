package io.ambit.waypoint.proxy;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.ambit.hbone.HboneKey;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;

/**
 * Idle upstream HTTP/1.1 connections, each one HBONE stream to an endpoint's ztunnel, kept for the
 * next request to the same endpoint as Envoy's per-host connection pool keeps them (keep-alive).
 * An exchange takes one, or opens a new tunnel when none is idle, and gives it back once its
 * response ended cleanly with the connection still usable; a connection that broke, was not
 * fully used (a request body cut short) or saw {@code Connection: close} is never given back.
 * While idle, a connection is watched: anything the destination sends, its END_STREAM or a reset
 * closes it (a server may close a keep-alive connection at any time). Idle ones end after
 * {@code idleTimeout} (Envoy's upstream idle_timeout, 1 h by default).
 *
 * <p>Bounds: a connection serves one request at a time, so the connections to a cluster never
 * exceed its concurrent requests, which the circuit breaker already caps ({@code maxRequests},
 * the DestinationRule's http2MaxRequests); at most {@code maxIdlePerKey} stay idle per key.
 *
 * <p>Keyed by the HBONE connection key, the tunnel's authority (the endpoint) and the original
 * client's address ({@link Key}): a tunnel carries one client's traffic only, so the
 * destination's logs and policies see the right source address.
 */
final class UpstreamConnections implements AutoCloseable {

    /**
     * What makes two tunnels interchangeable: the same HBONE connection key, endpoint and original
     * client address. The address, not its port: the tunnel's {@code forwarded} header is the first
     * request's (its source port included), and a key per client connection would strand idle
     * tunnels whenever a client connection ends.
     */
    record Key(HboneKey hbone, String authority, java.net.InetAddress source) {
    }

    private final Duration idleTimeout;
    private final int maxIdlePerKey;
    private final Map<Key, Deque<Channel>> idle = new HashMap<>();
    private final AtomicLong reused = new AtomicLong();
    private final UpstreamH2Connections h2;
    private boolean closed;

    UpstreamConnections(Duration idleTimeout, int maxIdlePerKey) {
        if (maxIdlePerKey < 0) {
            throw new IllegalArgumentException("maxIdlePerKey must not be negative: " + maxIdlePerKey);
        }
        this.idleTimeout = idleTimeout;
        this.maxIdlePerKey = maxIdlePerKey;
        // no cap of our own: Envoy's upstream max_concurrent_streams defaults to 2^31-1, the peer's SETTINGS decide
        this.h2 = new UpstreamH2Connections(idleTimeout, Integer.MAX_VALUE);
    }

    /** The h2c connections (for requests that came in over HTTP/2), shared by concurrent streams. */
    UpstreamH2Connections h2() {
        return h2;
    }

    static UpstreamConnections withDefaults() {
        return new UpstreamConnections(Duration.ofHours(1), 1024);
    }

    /**
     * An idle connection for {@code key}, preferably one on {@code preferred} (no thread hop),
     * removed from the pool; its watcher is still in place until {@link #adopt} replaces it. Null when none.
     */
    Channel take(Key key, EventLoop preferred) {
        synchronized (idle) {
            Deque<Channel> channels = idle.get(key);
            if (channels == null) {
                return null;
            }
            Channel found = null;
            for (Iterator<Channel> it = channels.iterator(); it.hasNext();) {
                Channel c = it.next();
                if (!c.isActive()) {
                    it.remove();
                } else if (c.eventLoop() == preferred) {
                    it.remove();
                    found = c;
                    break;
                }
            }
            if (found == null) {
                found = channels.pollLast();
            }
            if (channels.isEmpty()) {
                idle.remove(key);
            }
            if (found != null) {
                reused.incrementAndGet();
            }
            return found;
        }
    }

    /**
     * Gives a connection back after a clean exchange: on its own loop, the exchange's handler
     * named {@code handlerName} is replaced by a watcher, and the connection waits for the next
     * request. A connection that closed meanwhile, or one more than the pool holds, is ended.
     */
    void giveBack(Key key, Channel channel, String handlerName) {
        if (channel.eventLoop().inEventLoop()) {
            pool(key, channel, handlerName); // the exchange and its upstream share a loop (the usual case): no task
        } else {
            channel.eventLoop().execute(() -> pool(key, channel, handlerName));
        }
    }

    /** On the connection's loop: the exchange's handler gives way to a watcher, and the connection waits in the pool. */
    private void pool(Key key, Channel channel, String handlerName) {
        if (!channel.isActive() || channel.pipeline().get(handlerName) == null) {
            channel.close();
            return;
        }
        channel.pipeline().replace(handlerName, handlerName, new Watcher(key));
        boolean kept;
        synchronized (idle) {
            Deque<Channel> channels = idle.computeIfAbsent(key, k -> new ArrayDeque<>());
            kept = !closed && channels.size() < maxIdlePerKey;
            if (kept) {
                channels.addLast(channel);
            } else if (channels.isEmpty()) {
                idle.remove(key);
            }
        }
        if (kept) {
            channel.read(); // to see the destination end it while idle
        } else {
            end(channel);
        }
    }

    /** Connections taken from the pool rather than opened (for tests and stats). */
    long reused() {
        return reused.get();
    }

    /** Idle connections now. */
    int idleCount() {
        synchronized (idle) {
            return idle.values().stream().mapToInt(Deque::size).sum();
        }
    }

    /** Ends every idle connection with END_STREAM (a drain, or a configuration that forgot their endpoints). */
    void closeIdle() {
        List<Channel> all;
        synchronized (idle) {
            all = idle.values().stream().flatMap(Deque::stream).toList();
            idle.clear();
        }
        all.forEach(UpstreamConnections::end);
    }

    /**
     * Ends an idle connection as a TCP FIN would: END_STREAM on our side, then the destination
     * ends its own (its ztunnel closes the pod's connection) and the {@link Watcher} closes on
     * that. A RST_STREAM(CANCEL) instead would read as an error in the destination's access log.
     * A stream the destination does not end within 10 s is reset then.
     */
    private static void end(Channel channel) {
        channel.eventLoop().execute(() -> {
            if (!channel.isActive()) {
                return;
            }
            channel.writeAndFlush(new io.netty.handler.codec.http2.DefaultHttp2DataFrame(io.netty.buffer.Unpooled.EMPTY_BUFFER, true));
            channel.read();
            ScheduledFuture<?> guard = channel.eventLoop().schedule(() -> {
                channel.close();
            }, 10, TimeUnit.SECONDS);
            channel.closeFuture().addListener(f -> guard.cancel(false));
        });
    }

    @Override
    public void close() {
        synchronized (idle) {
            closed = true;
        }
        closeIdle();
        h2.close();
    }

    /** Removes an idle connection; false when it was no longer in the pool. */
    private boolean forget(Key key, Channel channel) {
        synchronized (idle) {
            Deque<Channel> channels = idle.get(key);
            boolean removed = channels != null && channels.remove(channel);
            if (removed && channels.isEmpty()) {
                idle.remove(key);
            }
            return removed;
        }
    }

    /** Sits on an idle connection: whatever the destination does now ends it. */
    private final class Watcher extends ChannelInboundHandlerAdapter {
        private final Key key;
        private ScheduledFuture<?> idleTimer;

        Watcher(Key key) {
            this.key = key;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            idleTimer = ctx.executor().schedule(() -> {
                forget(key, ctx.channel());
                end(ctx.channel());
            }, idleTimeout.toNanos(), TimeUnit.NANOSECONDS);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            idleTimer.cancel(false);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg); // nothing was asked: a stray answer makes the connection unusable
            if (forget(key, ctx.channel())) {
                ctx.close();
            } else {
                ctx.read(); // already leaving the pool (ended by us): wait for the destination's end
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            ReferenceCountUtil.release(evt);
            forget(key, ctx.channel());
            ctx.close(); // the destination ended its side (END_STREAM) or reset
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            forget(key, ctx.channel());
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            forget(key, ctx.channel());
            ctx.close();
        }
    }
}
