package io.ambit.waypoint.telemetry;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-request access log, written as Envoy writes its file access logs: the event loop only
 * hands the finished request to a bounded queue; one writer thread formats the lines and writes
 * them in batches to a buffered sink (one {@code write} per batch, not one per line), flushing at
 * least every {@link #FLUSH_INTERVAL}. When the writer falls behind and the queue is full, a line
 * is dropped and counted ({@link #dropped()}, exported as {@code ambit_waypoint_access_log_dropped_total})
 * rather than slowing the data path, as Envoy's file sink does when its buffer is full.
 *
 * <p>Switched off with the logger {@code io.ambit.waypoint.access} at a level above INFO (as before,
 * when the lines went through logging): the check is made per request, so the actuator's
 * {@code loggers} endpoint switches it at run time. The lines are Envoy's format on their own, with
 * no logging prefix, as Envoy writes them to {@code /dev/stdout}.
 */
public final class AccessLog implements AutoCloseable {

    /** The logger whose level switches the access log on (INFO) or off. */
    static final Logger LEVEL = LoggerFactory.getLogger("io.ambit.waypoint.access");
    /** Lines waiting for the writer: ~2 s of the waypoint's fastest rate on the lab machine. */
    public static final int DEFAULT_CAPACITY = 16_384;
    /** The longest a line waits in the queue when the waypoint is quiet. */
    static final Duration FLUSH_INTERVAL = Duration.ofMillis(100);
    /** A batch is written once it holds this many bytes, whether the queue is empty or not. */
    private static final int BATCH_BYTES = 64 * 1024;

    private static final class Stdout {
        // System.out as it is when a batch is written (a test harness may have replaced it), one
        // write and one flush per batch; never closed by close()
        static final AccessLog INSTANCE = new AccessLog(new OutputStream() {
            @Override
            public void write(int b) {
                System.out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                System.out.write(b, off, len);
            }

            @Override
            public void flush() {
                System.out.flush();
            }
        }, DEFAULT_CAPACITY, false);

        static {
            // the last lines (up to one flush interval) are written when the process stops, as Envoy flushes its sinks
            Runtime.getRuntime().addShutdownHook(new Thread(INSTANCE::close, "waypoint-access-log-flush"));
        }
    }

    private final BlockingQueue<RequestRecord> queue;
    private final OutputStream sink;
    private final boolean closeSink;
    private final LongAdder dropped = new LongAdder();
    private final LongAdder written = new LongAdder();
    private final Thread writer;
    private volatile boolean closed;
    /** Lines in the writer's current batch (the writer thread's alone). */
    private long pending;

    /** The process's access log on standard output, one writer thread for the whole process. */
    public static AccessLog stdout() {
        return Stdout.INSTANCE;
    }

    /**
     * @param sink      where the lines go (closed by {@link #close()} when {@code closeSink})
     * @param capacity  lines that may wait for the writer before new ones are dropped
     */
    public AccessLog(OutputStream sink, int capacity, boolean closeSink) {
        if (capacity < 1) {
            throw new IllegalArgumentException("access log capacity must be at least 1, not " + capacity);
        }
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.sink = sink;
        this.closeSink = closeSink;
        this.writer = Thread.ofPlatform().daemon().name("waypoint-access-log").unstarted(this::run);
        writer.start();
    }

    /** Queues one line for {@code r}; never blocks: when the queue is full the line is dropped and counted. */
    public void write(RequestRecord r) {
        if (closed || !LEVEL.isInfoEnabled()) {
            return;
        }
        if (!queue.offer(r)) {
            dropped.increment();
        }
        // no wake-up per line: the writer polls every FLUSH_INTERVAL, and an unpark per request
        // would cost the event loop a futex call (the cost this class takes off the data path)
    }

    /** Lines dropped because the writer was behind (or the sink failed). */
    public long dropped() {
        return dropped.sum();
    }

    /** Lines written to the sink. */
    public long written() {
        return written.sum();
    }

    private void run() {
        List<RequestRecord> batch = new ArrayList<>(1024);
        StringBuilder text = new StringBuilder(BATCH_BYTES + 1024);
        while (true) {
            boolean stopping = closed; // read before draining: what was queued before close() is written
            queue.drainTo(batch, 1024);
            if (batch.isEmpty()) {
                flush(text);
                if (stopping) {
                    return;
                }
                LockSupport.parkNanos(this, FLUSH_INTERVAL.toNanos());
                continue;
            }
            for (RequestRecord r : batch) {
                try {
                    RequestTelemetry.appendLine(text, r);
                    text.append('\n');
                    pending++;
                } catch (RuntimeException e) {
                    dropped.increment(); // a record that cannot be formatted is lost, not the writer
                    continue;
                }
                if (text.length() >= BATCH_BYTES) {
                    flush(text);
                }
            }
            batch.clear();
        }
    }

    private void flush(StringBuilder text) {
        if (text.isEmpty()) {
            return;
        }
        long lines = pending;
        pending = 0;
        try {
            sink.write(text.toString().getBytes(StandardCharsets.UTF_8));
            sink.flush();
            written.add(lines);
        } catch (IOException e) {
            dropped.add(lines);
        }
        text.setLength(0);
    }

    /** Writes what is queued, then stops the writer (waiting up to a few seconds for it). */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(writer);
        try {
            writer.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (closeSink) {
            try {
                sink.close();
            } catch (IOException e) {
                // nothing left to write to
            }
        }
    }
}
