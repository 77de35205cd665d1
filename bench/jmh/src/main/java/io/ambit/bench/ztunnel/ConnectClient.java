package io.ambit.bench.ztunnel;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;

/**
 * Connection set-up load (issue 12): every request on a NEW TCP connection. One operation =
 * connect, send one byte, read the echoed byte, close: through a proxy pair that is the whole
 * set-up (the proxy's accept, its upstream socket, and for ztunnel a new HBONE stream on the
 * pooled connection plus the socket it opens in the destination pod), measured end to end.
 *
 * <p>Two runs in one process, both after {@code warm-up} seconds of the same load:
 * <ul>
 * <li>open loop at {@code rate} connections/s: operation {@code i} is due at {@code start + i / rate},
 *     run by worker {@code i mod workers}; its latency runs from that scheduled time to the close,
 *     so a stall is charged to every operation queued behind it (no coordinated omission);
 *     p50/p90/p99 in ms;
 * <li>closed loop: {@code workers} threads each doing operations back to back for {@code seconds}:
 *     the connections/s the path sustains.
 * </ul>
 * Arguments: label host:port rate seconds workers warm-up-seconds. Prints a readable line and
 * {@code RESULT <label> connect p50 p90 p99 late-p99} and {@code RESULT <label> connect-rate N}
 * for bench/ztunnel.sh; exits 1 if any operation fails (a figure with holes in it would mislead).
 * The caller lets the client namespace reuse TIME_WAIT ports ({@code net.ipv4.tcp_tw_reuse=1}).
 */
public final class ConnectClient {

    private static final long SPIN_NANOS = 100_000;
    private static final long HIGHEST_NANOS = 60_000_000_000L;

    private ConnectClient() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 6) {
            System.err.println("usage: ConnectClient label host:port rate seconds workers warm-up-seconds");
            System.exit(2);
        }
        String label = args[0];
        int colon = args[1].lastIndexOf(':');
        InetSocketAddress target = new InetSocketAddress(InetAddress.ofLiteral(args[1].substring(0, colon)),
                Integer.parseInt(args[1].substring(colon + 1)));
        int rate = Integer.parseInt(args[2]);
        int seconds = Integer.parseInt(args[3]);
        int workers = Integer.parseInt(args[4]);
        int warmUp = Integer.parseInt(args[5]);
        if (rate < 1 || seconds < 1 || workers < 1 || warmUp < 0) {
            System.err.println("ConnectClient: rate, seconds and workers must be positive, warm-up not negative");
            System.exit(2);
        }

        AtomicReference<Throwable> failure = new AtomicReference<>();
        Histogram latency = new Histogram(HIGHEST_NANOS, 3);
        Histogram late = new Histogram(HIGHEST_NANOS, 3);
        long start = System.nanoTime() + 50_000_000;
        long measureFrom = start + warmUp * 1_000_000_000L;
        long end = measureFrom + seconds * 1_000_000_000L;
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            int worker = w;
            threads.add(Thread.ofPlatform().name("open-" + w).start(() -> {
                Histogram mine = new Histogram(HIGHEST_NANOS, 3);
                Histogram mineLate = new Histogram(HIGHEST_NANOS, 3);
                try {
                    for (long i = worker; failure.get() == null; i += workers) {
                        long due = start + i * 1_000_000_000L / rate;
                        if (due >= end) {
                            break;
                        }
                        waitUntil(due);
                        long sent = System.nanoTime();
                        once(target);
                        long done = System.nanoTime();
                        if (due >= measureFrom) {
                            mine.recordValue(Math.min(done - due, HIGHEST_NANOS));
                            mineLate.recordValue(Math.min(Math.max(sent - due, 0), HIGHEST_NANOS));
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
                synchronized (latency) {
                    latency.add(mine);
                    late.add(mineLate);
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        fail(label, failure.get());

        // Closed loop: as many as the path takes, after the same warm-up it just had.
        AtomicLong done = new AtomicLong();
        long closedEnd = System.nanoTime() + seconds * 1_000_000_000L;
        threads.clear();
        for (int w = 0; w < workers; w++) {
            threads.add(Thread.ofPlatform().name("closed-" + w).start(() -> {
                try {
                    while (failure.get() == null && System.nanoTime() < closedEnd) {
                        once(target);
                        done.incrementAndGet();
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        fail(label, failure.get());
        double perSecond = done.get() / (double) seconds;

        double p50 = latency.getValueAtPercentile(50) / 1e6;
        double p90 = latency.getValueAtPercentile(90) / 1e6;
        double p99 = latency.getValueAtPercentile(99) / 1e6;
        double lateP99 = late.getValueAtPercentile(99) / 1e6;
        System.out.printf("%s new connection per request: %d/s open loop, %d ops measured: p50 %.3f, p90 %.3f, p99 %.3f ms"
                + " (client late p99 %.3f ms); closed loop, %d workers: %.0f connections/s%n",
                label, rate, latency.getTotalCount(), p50, p90, p99, lateP99, workers, perSecond);
        System.out.printf("RESULT %s connect %.3f %.3f %.3f %.3f%n", label, p50, p90, p99, lateP99);
        System.out.printf("RESULT %s connect-rate %.0f%n", label, perSecond);
    }

    /** Connect, one byte there and back, close: the operation both loops time. */
    private static void once(InetSocketAddress target) throws IOException {
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.connect(target, 10_000);
            // a lost answer fails the run instead of hanging it
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write('x');
            InputStream in = socket.getInputStream();
            if (in.read() != 'x') {
                throw new EOFException("no echo from " + target);
            }
        }
    }

    private static void waitUntil(long due) {
        long wait;
        while ((wait = due - System.nanoTime()) > 0) {
            if (wait > SPIN_NANOS) {
                LockSupport.parkNanos(wait - SPIN_NANOS);
            } else {
                Thread.onSpinWait();
            }
        }
    }

    private static void fail(String label, Throwable failure) {
        if (failure != null) {
            System.err.println(label + ": an operation failed: " + failure);
            System.exit(1);
        }
    }
}
