package io.ambit.hbone;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;

/**
 * Copies bytes both ways between two TCP connections: ztunnel's passthrough (a captured connection
 * to a destination outside the mesh) and its inbound plain-text path. The same rules as
 * {@link Relay}: auto-read off on both sides and the next read only after the previous write
 * completed (so a slow reader stops the fast writer and nothing piles up), a FIN on one side
 * becomes {@code shutdownOutput()} on the other once the bytes before it are written, both closed
 * once both directions ended, a reset or error on one side resets the other, and no byte in
 * either direction for the idle timeout closes both.
 */
public final class TcpRelay {

    private static final Logger log = LoggerFactory.getLogger(TcpRelay.class);

    private final DuplexChannel first;
    private final DuplexChannel second;
    private final AtomicLong fromFirst = new AtomicLong();
    private final AtomicLong fromSecond = new AtomicLong();
    private final AtomicInteger halvesOpen = new AtomicInteger(2);
    private final AtomicInteger channelsOpen = new AtomicInteger(2);
    private final AtomicReference<String> error = new AtomicReference<>();
    private final CompletableFuture<RelayResult> done = new CompletableFuture<>();

    private TcpRelay(DuplexChannel first, DuplexChannel second) {
        this.first = first;
        this.second = second;
    }

    /**
     * Starts relaying between two connected channels whose pipelines hold no reader of their own,
     * with auto-read off and an {@link InboundHold} first (so nothing read before is lost).
     */
    public static TcpRelay bind(Channel first, Channel second, Duration idleTimeout) {
        if (!(first instanceof DuplexChannel a) || !(second instanceof DuplexChannel b)) {
            throw new IllegalArgumentException("both sides must support half-close (DuplexChannel): " + first + ", " + second);
        }
        TcpRelay relay = new TcpRelay(a, b);
        for (DuplexChannel channel : new DuplexChannel[] {a, b}) {
            channel.config().setAutoRead(false);
            channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
            channel.closeFuture().addListener(f -> relay.onClosed());
        }
        if (!idleTimeout.isZero()) {
            a.pipeline().addLast("tcp-relay-idle", new IdleStateHandler(0, 0, idleTimeout.toMillis(), TimeUnit.MILLISECONDS));
        }
        a.pipeline().addLast("tcp-relay", relay.new Direction(a, b, relay.fromFirst));
        b.pipeline().addLast("tcp-relay", relay.new Direction(b, a, relay.fromSecond));
        relay.start(a);
        relay.start(b);
        return relay;
    }

    /** Completes once both connections are closed, with the final byte counts. */
    public CompletableFuture<RelayResult> done() {
        return done;
    }

    /** Bytes relayed so far (first → second, second → first), for telemetry while the connection is open. */
    public RelayResult progress() {
        return new RelayResult(fromFirst.get(), fromSecond.get(), Optional.empty());
    }

    /** Ends both connections now with a reset, e.g. because policy no longer allows this one. */
    public void terminate(String reason) {
        abort(reason);
    }

    private void start(DuplexChannel channel) {
        channel.eventLoop().execute(() -> {
            if (channel.pipeline().get(InboundHold.class) instanceof InboundHold hold) {
                hold.release();
            }
            read(channel);
        });
    }

    /** As in {@link Relay}: never ask a shut-down input for more (epoll fails such a read). */
    private static void read(DuplexChannel channel) {
        if (!channel.eventLoop().inEventLoop()) {
            channel.eventLoop().execute(() -> read(channel));
        } else if (!channel.isInputShutdown()) {
            channel.read();
        }
    }

    /** One direction: bytes read from {@code from} are written to {@code to}. */
    private final class Direction extends ChannelInboundHandlerAdapter {
        private final DuplexChannel from;
        private final DuplexChannel to;
        private final AtomicLong counter;
        private ChannelFuture lastWrite;

        Direction(DuplexChannel from, DuplexChannel to, AtomicLong counter) {
            this.from = from;
            this.to = to;
            this.counter = counter;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf data)) {
                ReferenceCountUtil.release(msg);
                read(from);
                return;
            }
            int bytes = data.readableBytes();
            lastWrite = to.writeAndFlush(data);
            lastWrite.addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    counter.addAndGet(bytes);
                    read(from);
                } else {
                    abort("writing to " + to.remoteAddress() + " failed: " + f.cause());
                }
            });
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                // Reads happen only after writes complete, so lastWrite is the last byte before the FIN.
                if (lastWrite == null || lastWrite.isDone()) {
                    halfClose();
                } else {
                    lastWrite.addListener(f -> halfClose());
                }
            } else if (evt instanceof IdleStateEvent) {
                abort("idle timeout");
            } else {
                ctx.fireUserEventTriggered(evt);
            }
        }

        private void halfClose() {
            to.shutdownOutput().addListener(f -> {
                if (halvesOpen.decrementAndGet() == 0) {
                    first.close();
                    second.close();
                }
            });
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            abort("TCP error on " + from.remoteAddress() + ": " + cause);
        }
    }

    /** One side closed: if the other is still up, it was not a clean end, so it gets a reset. */
    private void onClosed() {
        if (halvesOpen.get() > 0) {
            abort("connection closed before both directions ended");
        }
        if (channelsOpen.decrementAndGet() == 0) {
            done.complete(new RelayResult(fromFirst.get(), fromSecond.get(), Optional.ofNullable(error.get())));
        }
    }

    private void abort(String why) {
        if (error.compareAndSet(null, why)) {
            log.debug("TCP relay {} <-> {} aborted: {}", first, second, why);
        }
        for (DuplexChannel channel : new DuplexChannel[] {first, second}) {
            if (channel.isActive()) {
                channel.config().setOption(ChannelOption.SO_LINGER, 0);
            }
            channel.close();
        }
    }
}
