package io.ambit.hbone;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * Names the step a CONNECT is stuck at when it takes far longer than a CONNECT should (issue 12:
 * one tunnel on an idle pooled connection took 56 s to open in the lab, and the logs could not tell
 * whether the CONNECT left the client, reached the server, or the server's 200 left it). Only
 * warns: it changes nothing about the tunnel. One timer per CONNECT, cancelled when it is answered.
 */
final class SlowConnect {

    private static final Logger log = LoggerFactory.getLogger(SlowConnect.class);

    /** Far beyond a healthy CONNECT, well below the 10 s an application gives up after; a property for tests. */
    static final String THRESHOLD_PROPERTY = "ambit.hbone.slow-connect-millis";
    private static final long DEFAULT_THRESHOLD_MILLIS = 2_000;

    /** Tests listen here for the warnings; null otherwise. */
    static volatile Consumer<String> listener;

    private SlowConnect() {
    }

    /**
     * Warns once if {@code done} is not complete after the threshold, with {@code state} describing
     * where the CONNECT stands then; the timer is cancelled as soon as {@code done} completes.
     */
    static void watch(Channel stream, CompletableFuture<?> done, Supplier<String> state) {
        ScheduledFuture<?> timer = schedule(stream, done::isDone, state);
        done.whenComplete((r, e) -> timer.cancel(false));
    }

    private static ScheduledFuture<?> schedule(Channel stream, BooleanSupplier done, Supplier<String> state) {
        long threshold = thresholdMillis();
        long start = System.nanoTime();
        return stream.eventLoop().schedule(() -> {
            if (!done.getAsBoolean()) {
                // The elapsed time, not the threshold: a timer on a loop that was blocked fires late, and that says so.
                long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                String message = "HBONE CONNECT slow: " + stream + " unanswered after " + elapsed + " ms: " + state.get();
                log.warn(message);
                Consumer<String> test = listener;
                if (test != null) {
                    test.accept(message);
                }
            }
        }, threshold, TimeUnit.MILLISECONDS);
    }

    static long thresholdMillis() {
        return Long.getLong(THRESHOLD_PROPERTY, DEFAULT_THRESHOLD_MILLIS);
    }

    /** What the connection under a stream looks like now: is it open, writable, how much is queued. */
    static String connection(Channel parent) {
        return "connection " + parent + " active=" + parent.isActive() + " writable=" + parent.isWritable()
                + " bytesBeforeWritable=" + parent.bytesBeforeWritable();
    }
}
