package io.ambit.bench.ca;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.ambit.identity.Csrs;
import io.ambit.identity.KeyPairs;
import io.ambit.identity.SpiffeId;
import io.ambit.identity.TrustBundle;
import io.ambit.proto.ca.IstioCertificateRequest;
import io.ambit.proto.ca.IstioCertificateResponse;
import io.ambit.proto.ca.IstioCertificateServiceGrpc;
import io.ambit.tls.MeshTls;
import io.ambit.tls.PeerPolicy;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;

/**
 * Load for a running ca-service: CreateCertificate over gRPC + TLS, as node agents send it
 * (bootstrap token, ImpersonatedIdentity). Prints the closed-loop throughput with many requests in
 * flight, the latency at a fixed open-loop rate (measured from the scheduled send time, so a
 * stall is not hidden), and the machine's own ceiling from {@code openssl speed ecdsap256} in the
 * same run: each certificate costs the CA one ECDSA verify (the CSR's proof of possession) and
 * one ECDSA sign.
 *
 * <p>Arguments: host:port token-file identity [seconds] [in-flight] [rate] [http-port] [warm-up seconds].
 * The warm-up is long (bench/ca.sh gives 60 s) on purpose: on two cores shared by client and CA,
 * the JIT compilers compete with the load for CPU for about a minute; shorter warm-ups measured
 * the compiler, not the CA (about 1,250/s after 30 s, 2,500/s after 60 s).
 */
public final class CaLoad {

    private CaLoad() {
    }

    public static void main(String[] args) throws Exception {
        String[] hostPort = args[0].split(":");
        // the token by file: a command line is readable by every local user (ps)
        String token = java.nio.file.Files.readString(java.nio.file.Path.of(args[1])).strip();
        SpiffeId identity = SpiffeId.parse(args[2]);
        int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        int inFlight = args.length > 4 ? Integer.parseInt(args[4]) : 32;
        int rate = args.length > 5 ? Integer.parseInt(args[5]) : 500;
        String bundleUrl = "http://" + hostPort[0] + ":" + (args.length > 6 ? args[6] : "15014") + "/ca/root-cert.pem";

        TrustBundle bundle = TrustBundle.fromPem(identity.trustDomain(), HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(URI.create(bundleUrl)).build(), HttpResponse.BodyHandlers.ofString()).body());
        var tls = MeshTls.bootstrapClient(bundle, PeerPolicy.exactly(
                SpiffeId.parse("spiffe://" + identity.trustDomain() + "/ns/istio-system/sa/ca-service")));
        List<ManagedChannel> channels = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            channels.add(NettyChannelBuilder.forAddress(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])))
                    .sslContext(tls).build());
        }
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        List<IstioCertificateServiceGrpc.IstioCertificateServiceStub> stubs = channels.stream()
                .map(c -> IstioCertificateServiceGrpc.newStub(c).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers)))
                .toList();

        // Requests are prepared up front so that the client spends its CPU on sending, not on keys.
        System.out.println("preparing CSRs...");
        List<IstioCertificateRequest> requests = new ArrayList<>();
        for (int i = 0; i < 512; i++) {
            requests.add(IstioCertificateRequest.newBuilder()
                    .setCsr(Csrs.createPem(KeyPairs.ecP256(), identity))
                    .setValidityDuration(3600)
                    .setMetadata(Struct.newBuilder().putFields("ImpersonatedIdentity",
                            Value.newBuilder().setStringValue(identity.toString()).build()))
                    .build());
        }

        int warmUp = args.length > 7 ? Integer.parseInt(args[7]) : 30;
        System.out.println("warm-up (" + warmUp + " s)...");
        closedLoop(stubs, requests, inFlight, Duration.ofSeconds(warmUp));
        Result closed = closedLoop(stubs, requests, inFlight, Duration.ofSeconds(seconds));
        Result open = openLoop(stubs, requests, rate, Duration.ofSeconds(seconds));
        double[] openssl = opensslEcdsaP256();
        channels.forEach(ManagedChannel::shutdownNow);

        int cores = Runtime.getRuntime().availableProcessors();
        double ceilingPerCore = 1.0 / (1.0 / openssl[0] + 1.0 / openssl[1]);
        System.out.println();
        System.out.println("ca-service CreateCertificate over gRPC + TLS (client and CA share this machine's " + cores + " cores)");
        System.out.printf("  closed loop, %d in flight : %8.0f certificates/s   p50 %6.2f ms   p99 %6.2f ms   errors %d%n",
                inFlight, closed.perSecond(), closed.percentile(50), closed.percentile(99), closed.errors);
        System.out.printf("  open loop at %d/s        : %8.0f certificates/s   p50 %6.2f ms   p99 %6.2f ms   errors %d%n",
                rate, open.perSecond(), open.percentile(50), open.percentile(99), open.errors);
        System.out.printf("  openssl speed ecdsap256   : %8.0f sign/s  %8.0f verify/s per core%n", openssl[0], openssl[1]);
        System.out.printf("  ceiling (1 verify + 1 sign per certificate): %8.0f/s per core, %8.0f/s on %d cores%n",
                ceilingPerCore, ceilingPerCore * cores, cores);
        System.out.printf("  ca-service / ceiling = %.2f%n", closed.perSecond() / (ceilingPerCore * cores));
    }

    record Result(long completed, long errors, Duration took, long[] latenciesNanos) {
        double perSecond() {
            return completed / (took.toNanos() / 1e9);
        }

        double percentile(double p) {
            if (latenciesNanos.length == 0) {
                return Double.NaN;
            }
            long[] sorted = latenciesNanos.clone();
            Arrays.sort(sorted);
            return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1)] / 1e6;
        }
    }

    private static Result closedLoop(List<IstioCertificateServiceGrpc.IstioCertificateServiceStub> stubs,
            List<IstioCertificateRequest> requests, int inFlight, Duration duration) throws InterruptedException {
        Semaphore slots = new Semaphore(inFlight);
        AtomicLong completed = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        Latencies latencies = new Latencies();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        int i = 0;
        while (System.nanoTime() < end) {
            slots.acquire();
            long sent = System.nanoTime();
            stubs.get(i % stubs.size()).createCertificate(requests.get(i % requests.size()),
                    observer(sent, completed, errors, latencies, slots::release));
            i++;
        }
        slots.acquire(inFlight);
        return new Result(completed.get(), errors.get(), Duration.ofNanos(System.nanoTime() - start), latencies.toArray());
    }

    private static Result openLoop(List<IstioCertificateServiceGrpc.IstioCertificateServiceStub> stubs,
            List<IstioCertificateRequest> requests, int rate, Duration duration) throws InterruptedException {
        int total = (int) (rate * duration.toSeconds());
        CountDownLatch done = new CountDownLatch(total);
        AtomicLong completed = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        Latencies latencies = new Latencies();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        long start = System.nanoTime();
        long intervalNanos = 1_000_000_000L / rate;
        for (int i = 0; i < total; i++) {
            int n = i;
            long scheduled = start + n * intervalNanos;
            timer.schedule(() -> stubs.get(n % stubs.size()).createCertificate(requests.get(n % requests.size()),
                    observer(scheduled, completed, errors, latencies, done::countDown)),
                    scheduled - System.nanoTime(), TimeUnit.NANOSECONDS);
        }
        done.await(duration.toSeconds() + 30, TimeUnit.SECONDS);
        timer.shutdownNow();
        return new Result(completed.get(), errors.get(), Duration.ofNanos(System.nanoTime() - start), latencies.toArray());
    }

    private static StreamObserver<IstioCertificateResponse> observer(long sentNanos, AtomicLong completed, AtomicLong errors,
            Latencies latencies, Runnable finished) {
        return new StreamObserver<>() {
            @Override
            public void onNext(IstioCertificateResponse value) {
            }

            @Override
            public void onError(Throwable t) {
                errors.incrementAndGet();
                finished.run();
            }

            @Override
            public void onCompleted() {
                latencies.add(System.nanoTime() - sentNanos);
                completed.incrementAndGet();
                finished.run();
            }
        };
    }

    /** Thread-safe, append-only latency record. */
    private static final class Latencies {
        private long[] values = new long[1 << 16];
        private int size;

        synchronized void add(long nanos) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = nanos;
        }

        synchronized long[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }

    /** {@code openssl speed -seconds 3 ecdsap256}: sign/s and verify/s on one core. */
    static double[] opensslEcdsaP256() throws Exception {
        Process process = new ProcessBuilder("openssl", "speed", "-seconds", "3", "ecdsap256").redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        process.waitFor();
        Matcher line = Pattern.compile("256 bits ecdsa \\(nistp256\\)\\s+\\S+s\\s+\\S+s\\s+([0-9.]+)\\s+([0-9.]+)").matcher(output);
        if (!line.find()) {
            throw new IllegalStateException("cannot read openssl speed output:\n" + output);
        }
        return new double[] {Double.parseDouble(line.group(1)), Double.parseDouble(line.group(2))};
    }
}
