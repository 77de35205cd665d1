package io.ambit.bench.ztunnel;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;

/**
 * Open-loop request/response load: {@code size}-byte requests at a fixed rate over a few
 * persistent TCP connections, each answered by the echo server with the same bytes. Request
 * {@code i} is due at {@code start + i / rate} and goes on connection {@code i mod connections};
 * its latency runs from that <em>scheduled</em> time to the last byte of the answer, so when a
 * connection stalls, every request queued behind it is charged for the wait (no coordinated
 * omission).
 *
 * <p>Over the measured window only (after the warm-up), it also reads the CPU time of the given
 * proxy processes from {@code /proc/<pid>/stat}, so the script can report proxy CPU per 1,000
 * requests per second without counting JVM start-up or warm-up.
 *
 * <p>Arguments: label host:port rate seconds connections warm-up-seconds size clock-ticks-per-second
 * [pid,pid,...]. Prints a readable line and {@code RESULT} lines for bench/ztunnel.sh; exits 1
 * if any request fails, since a figure with holes in it would mislead.
 */
public final class LatencyClient {

    /** Sleep until this close to a send, then spin: a parked thread wakes 50–100 µs late on Linux. */
    private static final long SPIN_NANOS = 100_000;
    private static final long HIGHEST_NANOS = 60_000_000_000L;

    private LatencyClient() {
    }

    public static void main(String[] args) throws Exception {
        String label = args[0];
        int colon = args[1].lastIndexOf(':');
        InetSocketAddress target = new InetSocketAddress(InetAddress.ofLiteral(args[1].substring(0, colon)),
                Integer.parseInt(args[1].substring(colon + 1)));
        int rate = Integer.parseInt(args[2]);
        int seconds = Integer.parseInt(args[3]);
        int connections = Integer.parseInt(args[4]);
        int warmUp = Integer.parseInt(args[5]);
        int size = Integer.parseInt(args[6]);
        long clockTicks = Long.parseLong(args[7]);
        long[] pids = args.length > 8 && !args[8].isBlank()
                ? Arrays.stream(args[8].split(",")).mapToLong(Long::parseLong).toArray()
                : new long[0];

        List<Socket> sockets = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            Socket socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(target, 5_000);
            // a lost answer fails the run instead of hanging it
            socket.setSoTimeout(10_000);
            sockets.add(socket);
        }
        byte[] request = new byte[size];
        ThreadLocalRandom.current().nextBytes(request);

        long start = System.nanoTime() + 50_000_000;
        long measureFrom = start + warmUp * 1_000_000_000L;
        long end = measureFrom + seconds * 1_000_000_000L;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Connection> workers = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            Connection worker = new Connection(sockets.get(c), c, connections, rate, start, measureFrom, end, request, failure);
            worker.thread.start();
            workers.add(worker);
        }

        waitUntil(measureFrom);
        long cpuBefore = cpuTicks(pids);
        long measuredFrom = System.nanoTime();
        for (Connection worker : workers) {
            worker.thread.join();
        }
        long cpuAfter = cpuTicks(pids);
        double window = (System.nanoTime() - measuredFrom) / 1e9;
        for (Socket socket : sockets) {
            socket.close();
        }
        if (failure.get() != null) {
            System.err.println(label + ": request/response over " + target + " failed: " + failure.get());
            System.exit(1);
        }

        Histogram latency = new Histogram(HIGHEST_NANOS, 3);
        Histogram lateness = new Histogram(HIGHEST_NANOS, 3);
        for (Connection worker : workers) {
            latency.add(worker.latency);
            lateness.add(worker.lateness);
        }
        System.out.printf("%s: %d requests of %d B at %d/s over %d connections in %d s (after %d s warm-up): "
                        + "p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms; the client sent p99 %.3f ms after schedule%n",
                label, latency.getTotalCount(), size, rate, connections, seconds, warmUp, ms(latency, 50), ms(latency, 90),
                ms(latency, 99), latency.getMaxValue() / 1e6, ms(lateness, 99));
        // the client's own lateness goes with the figures: when it is close to p99, the machine was too busy to say
        System.out.printf("RESULT %s latency %.4f %.4f %.4f %.4f %.4f%n", label, ms(latency, 50), ms(latency, 90), ms(latency, 99),
                latency.getMaxValue() / 1e6, ms(lateness, 99));
        if (pids.length > 0) {
            double cores = (cpuAfter - cpuBefore) / (double) clockTicks / window;
            System.out.printf("RESULT %s cpu-per-krps %.4f%n", label, cores / (rate / 1000.0));
        }
    }

    private static double ms(Histogram histogram, double percentile) {
        return histogram.getValueAtPercentile(percentile) / 1e6;
    }

    static void waitUntil(long deadline) {
        long remaining;
        while ((remaining = deadline - System.nanoTime()) > SPIN_NANOS) {
            LockSupport.parkNanos(remaining - SPIN_NANOS);
        }
        while (System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
    }

    /** utime + stime of each process (all its threads), in clock ticks. */
    static long cpuTicks(long[] pids) throws IOException {
        long total = 0;
        for (long pid : pids) {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // the command name (field 2) may hold spaces; fields after it are plain
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            total += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        }
        return total;
    }

    /** One persistent connection and the requests due on it: i = index, index + n, index + 2n, … */
    private static final class Connection implements Runnable {
        final Histogram latency = new Histogram(HIGHEST_NANOS, 3);
        final Histogram lateness = new Histogram(HIGHEST_NANOS, 3);
        final Thread thread;
        private final Socket socket;
        private final int index;
        private final int stride;
        private final int rate;
        private final long start;
        private final long measureFrom;
        private final long end;
        private final byte[] request;
        private final AtomicReference<Throwable> failure;

        Connection(Socket socket, int index, int stride, int rate, long start, long measureFrom, long end, byte[] request,
                AtomicReference<Throwable> failure) {
            this.socket = socket;
            this.index = index;
            this.stride = stride;
            this.rate = rate;
            this.start = start;
            this.measureFrom = measureFrom;
            this.end = end;
            this.request = request;
            this.failure = failure;
            this.thread = Thread.ofPlatform().name("latency-" + index).unstarted(this);
        }

        @Override
        public void run() {
            byte[] answer = new byte[request.length];
            try {
                OutputStream out = socket.getOutputStream();
                InputStream in = socket.getInputStream();
                for (long i = index; failure.get() == null; i += stride) {
                    long due = start + Math.round(i * 1e9 / rate);
                    if (due >= end) {
                        return;
                    }
                    waitUntil(due);
                    long sent = System.nanoTime();
                    out.write(request);
                    if (in.readNBytes(answer, 0, answer.length) < answer.length) {
                        throw new EOFException("connection " + index + " closed by the far end before answer " + i);
                    }
                    long done = System.nanoTime();
                    if (due >= measureFrom) {
                        latency.recordValue(Math.min(done - due, HIGHEST_NANOS));
                        lateness.recordValue(Math.min(Math.max(sent - due, 0), HIGHEST_NANOS));
                    }
                }
            } catch (IOException | RuntimeException e) {
                failure.compareAndSet(null, e);
            }
        }
    }
}
