package io.ambit.hbone;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters for relays, shared by every tunnel of one server or client: bytes relayed, and the
 * bytes handed to a write that has not completed yet. The relay reads the next chunk only after
 * the previous write completed, so the pending bytes stay at most one chunk per direction per
 * tunnel however slow the reader is; {@link #maxPendingBytes()} lets tests (and metrics) see
 * that this holds.
 */
public final class RelayStats {

    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong maxPending = new AtomicLong();
    private final AtomicLong toStream = new AtomicLong();
    private final AtomicLong toTcp = new AtomicLong();
    private final AtomicLong opened = new AtomicLong();
    private final AtomicLong closed = new AtomicLong();

    void writeStarted(long bytes) {
        long now = pending.addAndGet(bytes);
        maxPending.accumulateAndGet(now, Math::max);
    }

    void writeEnded(long bytes, boolean towardsStream, boolean success) {
        pending.addAndGet(-bytes);
        if (success) {
            (towardsStream ? toStream : toTcp).addAndGet(bytes);
        }
    }

    void relayOpened() {
        opened.incrementAndGet();
    }

    void relayClosed() {
        closed.incrementAndGet();
    }

    /** Bytes in writes not yet completed, over all tunnels. */
    public long pendingBytes() {
        return pending.get();
    }

    /** The most {@link #pendingBytes()} ever were. */
    public long maxPendingBytes() {
        return maxPending.get();
    }

    /** Bytes read from TCP and written into HTTP/2 streams. */
    public long bytesToStream() {
        return toStream.get();
    }

    /** Bytes read from HTTP/2 streams and written to TCP. */
    public long bytesToTcp() {
        return toTcp.get();
    }

    /** Tunnels still relaying. */
    public long activeRelays() {
        return opened.get() - closed.get();
    }
}
