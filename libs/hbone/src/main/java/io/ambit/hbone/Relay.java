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
 *   <li><b>Backpressure</b>, as Netty's proxy example: auto-read is off on both channels and each
 *       side reads its next chunk only after the write of the previous one to the other side
 *       completed. A slow TCP reader therefore stops us reading the stream, which stops HTTP/2
 *       window updates, which stops the remote sender; a slow stream stops us reading TCP.
 *       Nothing is buffered beyond one chunk per direction plus the stream's receive window.</li>
 *   <li><b>Half-close</b> (RFC 9113 §8.5: a CONNECT stream's END_STREAM is TCP's FIN): a FIN
 *       from TCP becomes an empty DATA frame with END_STREAM; END_STREAM from the peer becomes
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
     * channel's own loop: write completions arrive on the stream's loop, and a read requested from
     * there would run later, possibly after the FIN.
     */
    private void readTcp() {
        if (!tcp.eventLoop().inEventLoop()) {
            tcp.eventLoop().execute(this::readTcp);
        } else if (!((DuplexChannel) tcp).isInputShutdown()) {
            tcp.read();
        }
    }

    /** Bytes flow TCP → stream. */
    private final class TcpSide extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf data)) {
                ReferenceCountUtil.release(msg);
                ctx.read();
                return;
            }
            if (peerReset) {
                // The stream is gone; TCP closes once the peer's last bytes are written. Stop reading.
                data.release();
                return;
            }
            int bytes = data.readableBytes();
            stats.writeStarted(bytes);
            stream.writeAndFlush(new DefaultHttp2DataFrame(data, false)).addListener((ChannelFutureListener) f -> {
                stats.writeEnded(bytes, true, f.isSuccess());
                if (f.isSuccess()) {
                    toStream.addAndGet(bytes);
                    readTcp();
                } else if (!peerReset) {
                    abort("writing to the HTTP/2 stream failed: " + f.cause());
                }
            });
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                // All earlier chunks were written (we read only after each write), so END_STREAM
                // follows the last byte.
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
        /**
         * The last write to TCP. Usually complete before the next frame is read, but when the
         * stream ends Netty delivers every frame still queued at once (see AbstractHttp2StreamChannel's
         * end-of-stream drain), so END_STREAM must wait for the writes before it.
         */
        private ChannelFuture lastWrite;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2DataFrame frame) {
                boolean end = frame.isEndStream();
                ByteBuf data = frame.content();
                int bytes = data.readableBytes();
                if (bytes == 0) {
                    data.release();
                    afterWrite(end);
                    return;
                }
                stats.writeStarted(bytes);
                lastWrite = tcp.writeAndFlush(data);
                lastWrite.addListener((ChannelFutureListener) f -> {
                    stats.writeEnded(bytes, false, f.isSuccess());
                    if (f.isSuccess()) {
                        toTcp.addAndGet(bytes);
                        afterWrite(end);
                    } else {
                        abort("writing to TCP failed: " + f.cause());
                    }
                });
            } else if (msg instanceof Http2HeadersFrame trailers) {
                // Trailers carry nothing for TCP; their END_STREAM still ends the direction.
                afterWrite(trailers.isEndStream());
            } else {
                ReferenceCountUtil.release(msg);
                stream.read();
            }
        }

        private void afterWrite(boolean endStream) {
            if (!endStream) {
                stream.read();
            } else if (lastWrite == null || lastWrite.isDone()) {
                // shutdownOutput fails writes still queued, so it runs only after the last write completed.
                ((DuplexChannel) tcp).shutdownOutput();
            } else {
                lastWrite.addListener(f -> ((DuplexChannel) tcp).shutdownOutput());
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof Http2ResetFrame reset) {
                // Not a close here: DATA the peer sent before its reset may still wait in this
                // stream (we read a frame only after the previous one was written to TCP). Netty
                // closes the stream channel after handing all of it to us at our next read (its
                // end-of-stream drain), and onStreamClosed then ends TCP after those writes, so
                // the bytes are delivered as a direct connection would deliver them.
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
