package io.ambit.hbone;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;

/**
 * Copies bytes both ways between a TCP connection and an HBONE stream (an HTTP/2 stream after a
 * 200 to CONNECT), the same on the client and the server side.
 *
 * <ul>
 *   <li><b>Backpressure</b> by writability, as a proxy must: auto-read is off on both channels;
 *       a chunk read from one side is written to the other at once and flushed when the read
 *       batch completes, and the next read is asked for as long as the other side stays
 *       writable. When its outbound buffer passes the high water mark the reading side pauses,
 *       and resumes from the other side's writability event. So several chunks are in flight per
 *       direction (the flow that keeps TLS records and DATA frames full), bounded by the water
 *       marks: a slow TCP reader stops us reading the stream, which stops HTTP/2 window updates,
 *       which stops the remote sender; a slow stream stops us reading TCP.</li>
 *   <li><b>Half-close</b> (RFC 9113 §8.5: a CONNECT stream's END_STREAM is TCP's FIN): a FIN
 *       from TCP becomes an empty DATA frame with END_STREAM, written after every chunk before it
 *       (writes to one channel keep their order); END_STREAM from the peer becomes
 *       {@code shutdownOutput()} once all its data is written. When both directions are done the
 *       HTTP/2 stream closes by itself, and we then close TCP.</li>
 *   <li><b>Abort</b>: RST_STREAM from the peer closes the TCP connection once everything the peer
 *       sent before it is written (those bytes are delivered, as on a direct connection; most of
 *       them may still be queued in the stream when the reset arrives), and from then on nothing
 *       more is read from TCP; a TCP error or reset closes the stream, which Netty answers with
 *       RST_STREAM(CANCEL), and an abort of our own (idle, write failure) resets TCP (SO_LINGER 0).
 *       Either way only this stream ends: its siblings on the connection are not touched.</li>
 *   <li><b>Idle</b>: no byte in either direction for the idle timeout closes both.</li>
 * </ul>
 */
public final class Relay {

    private static final Logger log = LoggerFactory.getLogger(Relay.class);

    private final Channel tcp;
    private final Http2StreamChannel stream;
    private final RelayStats stats;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong toStream = new AtomicLong();
    private final AtomicLong toTcp = new AtomicLong();
    /** Bytes handed to a write that has not completed yet, per direction (written from two loops). */
    private final AtomicLong pendingToStream = new AtomicLong();
    private final AtomicLong pendingToTcp = new AtomicLong();
    /** Reading TCP waits for the stream to become writable again. */
    private final AtomicBoolean tcpPaused = new AtomicBoolean();
    /** Reading the stream waits for TCP to become writable again. */
    private final AtomicBoolean streamPaused = new AtomicBoolean();
    private final AtomicReference<String> error = new AtomicReference<>();
    /** The peer reset the stream: nothing more goes into it, and a failed write to it is expected. */
    private volatile boolean peerReset;
    private final AtomicInteger openChannels = new AtomicInteger(2);
    private final CompletableFuture<RelayResult> done = new CompletableFuture<>();

    private Relay(Channel tcp, Http2StreamChannel stream, RelayStats stats) {
        this.tcp = tcp;
        this.stream = stream;
        this.stats = stats;
    }

    /**
     * Completes once both the TCP connection and the stream are closed, so every write has
     * finished and the byte counts are final; carries the first reason it was aborted, if any.
     */
    public CompletableFuture<RelayResult> done() {
        return done;
    }

    /**
     * Bytes relayed so far (TCP → stream, stream → TCP), for telemetry while the tunnel is open.
     * Each count is written by one event loop only; this reads them.
     */
    public RelayResult progress() {
        return new RelayResult(toStream.get(), toTcp.get(), java.util.Optional.empty());
    }

    /** Ends the tunnel now (both sides reset), e.g. because policy no longer allows it. */
    public void terminate(String reason) {
        abort(reason);
    }

    private void channelClosed() {
        if (openChannels.decrementAndGet() == 0) {
            // The TCP connection is the relay's first side.
            done.complete(new RelayResult(toStream.get(), toTcp.get(), java.util.Optional.ofNullable(error.get())));
        }
    }

    /**
     * Starts relaying. {@code tcp} must be a connected {@link DuplexChannel} whose pipeline holds
     * no reader of its own, auto-read off from the start and an {@link InboundHold} first, so no
     * byte read before the relay is in place is lost; {@code stream} a stream whose CONNECT was
     * answered 200, auto-read off.
     */
    public static Relay bind(Channel tcp, Http2StreamChannel stream, Duration idleTimeout, RelayStats stats) {
        if (!(tcp instanceof DuplexChannel)) {
            throw new IllegalArgumentException("the TCP side must support half-close (a DuplexChannel): " + tcp);
        }
        Relay relay = new Relay(tcp, stream, stats);
        stats.relayOpened();
        tcp.config().setAutoRead(false);
        stream.config().setAutoRead(false);
        // A FIN must arrive as an event, not as a close, so that the other direction goes on.
        tcp.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        if (!idleTimeout.isZero()) {
            tcp.pipeline().addLast("hbone-idle",
                    new IdleStateHandler(0, 0, idleTimeout.toMillis(), TimeUnit.MILLISECONDS));
        }
        tcp.pipeline().addLast("hbone-relay", relay.new TcpSide());
        stream.pipeline().addLast("hbone-relay", relay.new StreamSide());
        tcp.closeFuture().addListener(f -> {
            relay.onTcpClosed();
            relay.channelClosed();
        });
        stream.closeFuture().addListener(f -> {
            relay.onStreamClosed();
            relay.channelClosed();
        });
        if (!stream.isActive()) {
            relay.abort("the stream was already closed");
            return relay;
        }
        tcp.eventLoop().execute(() -> {
            if (tcp.pipeline().get(InboundHold.class) instanceof InboundHold hold) {
                hold.release();
            }
            relay.readTcp();
        });
        stream.read();
        return relay;
    }

    /**
     * After the FIN there is nothing to read, and Netty 4.2's epoll channel fails a read request
     * on a shut-down input (its epoll registration is gone), so we stop asking. Checked on the TCP
     * channel's own loop: writability events arrive on the stream's loop, and a read requested
     * from there would run later, possibly after the FIN.
     */
    private void readTcp() {
        if (!tcp.eventLoop().inEventLoop()) {
            tcp.eventLoop().execute(this::readTcp);
        } else if (!((DuplexChannel) tcp).isInputShutdown() && !peerReset) {
            tcp.read();
        }
    }

    /**
     * Reads {@code from} again if {@code to} can take more; otherwise marks {@code from} paused
     * for {@code to}'s writability event. The check after marking closes the race with an event
     * that fired in between (it runs on {@code to}'s loop, this on {@code from}'s).
     */
    private static void readOrPause(Channel to, AtomicBoolean paused, Runnable read) {
        if (to.isWritable()) {
            read.run();
            return;
        }
        paused.set(true);
        if (to.isWritable() && paused.compareAndSet(true, false)) {
            read.run();
        }
    }

    /** {@code to} became writable: resume the side that paused for it. */
    private static void resumeIfWritable(Channel to, AtomicBoolean paused, Runnable read) {
        if (to.isWritable() && paused.compareAndSet(true, false)) {
            read.run();
        }
    }

    private void started(AtomicLong pending, long bytes) {
        stats.writeStarted(pending.addAndGet(bytes));
    }

    /** Bytes flow TCP → stream. */
    private final class TcpSide extends ChannelInboundHandlerAdapter {
        private boolean unflushed;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf data)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (peerReset) {
                // The stream is gone; TCP closes once the peer's last bytes are written. Stop reading.
                data.release();
                return;
            }
            int bytes = data.readableBytes();
            started(pendingToStream, bytes);
            unflushed = true;
            stream.write(new DefaultHttp2DataFrame(data, false)).addListener((ChannelFutureListener) f -> {
                pendingToStream.addAndGet(-bytes);
                stats.writeEnded(bytes, true, f.isSuccess());
                if (f.isSuccess()) {
                    toStream.addAndGet(bytes);
                } else if (!peerReset) {
                    abort("writing to the HTTP/2 stream failed: " + f.cause());
                }
            });
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (unflushed) {
                unflushed = false;
                stream.flush();
            }
            readOrPause(stream, tcpPaused, Relay.this::readTcp);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            resumeIfWritable(tcp, streamPaused, stream::read);
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                // Writes to the stream keep their order, so END_STREAM follows the last byte.
                unflushed = false;
                stream.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.EMPTY_BUFFER, true))
                        .addListener((ChannelFutureListener) f -> {
                            if (!f.isSuccess() && !peerReset) {
                                abort("sending END_STREAM failed: " + f.cause());
                            }
                        });
            } else if (evt instanceof IdleStateEvent) {
                abort("idle timeout");
            } else {
                ctx.fireUserEventTriggered(evt);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            abort("TCP error: " + cause);
        }
    }

    /** Bytes flow stream → TCP. */
    private final class StreamSide extends ChannelInboundHandlerAdapter {
        /** The last write to TCP: END_STREAM shuts TCP's output only after it completed. */
        private ChannelFuture lastWrite;
        private boolean unflushed;
        /** END_STREAM arrived: nothing more to read. */
        private boolean ended;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2DataFrame frame) {
                ByteBuf data = frame.content();
                int bytes = data.readableBytes();
                if (bytes == 0) {
                    data.release();
                } else {
                    started(pendingToTcp, bytes);
                    unflushed = true;
                    lastWrite = tcp.write(data);
                    lastWrite.addListener((ChannelFutureListener) f -> {
                        pendingToTcp.addAndGet(-bytes);
                        stats.writeEnded(bytes, false, f.isSuccess());
                        if (f.isSuccess()) {
                            toTcp.addAndGet(bytes);
                        } else {
                            abort("writing to TCP failed: " + f.cause());
                        }
                    });
                }
                if (frame.isEndStream()) {
                    endOfStream();
                }
            } else if (msg instanceof Http2HeadersFrame trailers) {
                // Trailers carry nothing for TCP; their END_STREAM still ends the direction.
                if (trailers.isEndStream()) {
                    endOfStream();
                }
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        /** The peer's FIN: after the bytes before it are written, shut TCP's output. */
        private void endOfStream() {
            ended = true;
            if (unflushed) {
                unflushed = false;
                tcp.flush();
            }
            if (lastWrite == null || lastWrite.isDone()) {
                // shutdownOutput fails writes still queued, so it runs only after the last write completed.
                ((DuplexChannel) tcp).shutdownOutput();
            } else {
                lastWrite.addListener(f -> ((DuplexChannel) tcp).shutdownOutput());
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (unflushed) {
                unflushed = false;
                tcp.flush();
            }
            if (!ended) {
                readOrPause(tcp, streamPaused, stream::read);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            resumeIfWritable(stream, tcpPaused, Relay.this::readTcp);
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof Http2ResetFrame reset) {
                // Not a close here: DATA the peer sent before its reset may still wait in this
                // stream. Netty closes the stream channel after handing all of it to us at our
                // next read (its end-of-stream drain), and onStreamClosed then ends TCP after
                // those writes, so the bytes are delivered as a direct connection would deliver them.
                peerReset = true;
                String why = "peer reset the stream (" + reset.errorCode() + ")";
                log.debug("relay {} <-> {}: {}", tcp, stream, why);
                error.compareAndSet(null, why);
            } else {
                ctx.fireUserEventTriggered(evt);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            abort("HTTP/2 stream error: " + cause);
        }
    }

    /**
     * The stream closed: normally because both END_STREAMs passed, and then our last write to TCP
     * and its FIN are already queued; flushing before closing keeps them. Otherwise this also ends
     * TCP, as the peer's abort.
     */
    private void onStreamClosed() {
        if (closed.compareAndSet(false, true)) {
            stats.relayClosed();
            tcp.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void onTcpClosed() {
        if (closed.compareAndSet(false, true)) {
            stats.relayClosed();
            stream.close(); // RST_STREAM(CANCEL) if the stream is still open
        }
    }

    private void abort(String why) {
        log.debug("relay {} <-> {} aborted: {}", tcp, stream, why);
        error.compareAndSet(null, why);
        if (tcp.isActive()) {
            // Make the TCP peer see a reset, not a clean FIN: the tunnel broke, the data may be incomplete.
            tcp.config().setOption(ChannelOption.SO_LINGER, 0);
        }
        if (closed.compareAndSet(false, true)) {
            stats.relayClosed();
        }
        tcp.close();
        stream.close();
    }
}
