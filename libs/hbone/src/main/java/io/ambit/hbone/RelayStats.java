package io.ambit.hbone;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters for relays, shared by every tunnel of one server or client: bytes relayed, tunnels open,
 * and the most bytes ever waiting in one direction of one tunnel (handed to a write that has not
 * completed). A relay keeps reading only while the other side is writable, so that figure stays
 * near the channels' write-buffer high water mark plus one chunk, however slow the reader is;
 * {@link #maxPendingBytes()} lets tests (and metrics) see that this holds.
 *
 * <p>Every tunnel's event loops update these on every chunk, so they are {@link LongAdder}s (no
 * cache line bounced between loops); the maximum is written only when it grows.
 */
public final class RelayStats {

    private final LongAdder toStream = new LongAdder();
    private final LongAdder toTcp = new LongAdder();
    private final LongAdder opened = new LongAdder();
    private final LongAdder closed = new LongAdder();
    private volatile long maxPending;

    /** A write started; {@code pendingInDirection} is what that tunnel's direction now waits on. */
    void writeStarted(long pendingInDirection) {
        if (pendingInDirection > maxPending) {
            synchronized (this) {
                if (pendingInDirection > maxPending) {
                    maxPending = pendingInDirection;
                }
            }
        }
    }

    void writeEnded(long bytes, boolean towardsStream, boolean success) {
        if (success) {
            (towardsStream ? toStream : toTcp).add(bytes);
        }
    }

    void relayOpened() {
        opened.increment();
    }

    void relayClosed() {
        closed.increment();
    }

    /** The most bytes ever waiting for a write to complete in one direction of one tunnel. */
    public long maxPendingBytes() {
        return maxPending;
    }

    /** Bytes read from TCP and written into HTTP/2 streams. */
    public long bytesToStream() {
        return toStream.sum();
    }

    /** Bytes read from HTTP/2 streams and written to TCP. */
    public long bytesToTcp() {
        return toTcp.sum();
    }

    /** Tunnels still relaying. */
    public long activeRelays() {
        return opened.sum() - closed.sum();
    }
}
