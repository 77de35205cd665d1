package io.ambit.bench.xds;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.identity.TrustBundle;
import io.ambit.tls.MeshTls;
import io.ambit.tls.PeerPolicy;
import io.ambit.xdsclient.DeltaAdsClient;
import io.ambit.xdsclient.XdsChannels;
import io.ambit.xdsclient.XdsTypes;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContext;

/**
 * Load for a running xDS server: N delta-ADS clients (ztunnels) over mutual TLS, in this JVM.
 * Measures the initial sync (time until every client holds every resource, resource bytes per
 * client), then for a number of single-pod changes applied through the store's REST API the time
 * from sending the change until the last client has received that workload; then the server's
 * heap per workload and per connected client (jcmd, after full GCs).
 * <pre>
 *   generate DIR PODS SERVICES
 *   run DIR XDS_PORT HTTP_PORT SERVER_PID CLIENTS CHANGES LABEL PODS SERVICES
 *   limit DIR CLIENTS CHANGES        (the transport floor: prebuilt responses fanned out, no translation)
 *   generate-l7 DIR ROUTES WAYPOINTS / run-l7 DIR XDS_PORT HTTP_PORT ROUTES WAYPOINTS CHANGES   ({@link L7Load})
 * </pre>
 * Result lines start with {@code RESULT} for bench/xds.sh to tabulate.
 */
public final class XdsLoad {

    static final SpiffeId SERVER = SpiffeId.parse("spiffe://cluster.local/ns/istio-system/sa/xds-server");

    private XdsLoad() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "generate" -> MeshGenerator.generate(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            case "run" -> run(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), Long.parseLong(args[4]),
                    Integer.parseInt(args[5]), Integer.parseInt(args[6]), args[7], Integer.parseInt(args[8]), Integer.parseInt(args[9]));
            case "limit" -> LimitServer.run(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            case "generate-l7" -> L7Load.generate(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            case "run-l7" -> L7Load.run(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                    Integer.parseInt(args[5]), Integer.parseInt(args[6]));
            default -> throw new IllegalArgumentException("generate | run | limit | generate-l7 | run-l7");
        }
    }

    /** One client's view: counts what it holds, and tells the harness when the awaited name arrives. */
    static final class Client {
        final DeltaAdsClient ads;
        final ManagedChannel channel;
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong addresses = new AtomicLong();
        volatile boolean authorizationSeen;

        Client(ManagedChannel channel, String node, Probe probe) {
            this.channel = channel;
            this.ads = DeltaAdsClient.builder(channel, Node.newBuilder().setId("ztunnel~" + node).build(), update -> {
                long now = System.nanoTime();
                for (var resource : update.updated()) {
                    bytes.addAndGet(resource.body().getSerializedSize() + resource.name().length() + resource.version().length());
                    probe.arrived(resource.name(), now);
                }
                if (update.typeUrl().equals(XdsTypes.ADDRESS)) {
                    addresses.addAndGet(update.updated().size() - update.removed().size());
                } else {
                    authorizationSeen = true;
                }
                probe.progress(this);
                return List.of();
            }).build();
        }
    }

    /** What the harness waits for: a count of clients reaching a state, or receiving one name. */
    static final class Probe {
        volatile String awaited = "";
        volatile CountDownLatch arrivals = new CountDownLatch(0);
        final AtomicLong lastArrival = new AtomicLong();
        volatile long syncTarget = Long.MAX_VALUE;
        final CountDownLatch synced;
        final java.util.Set<Client> syncedClients = java.util.concurrent.ConcurrentHashMap.newKeySet();

        Probe(int clients) {
            synced = new CountDownLatch(clients);
        }

        void arrived(String name, long now) {
            if (name.equals(awaited)) {
                lastArrival.accumulateAndGet(now, Math::max);
                arrivals.countDown();
            }
        }

        void progress(Client client) {
            if (client.addresses.get() >= syncTarget && client.authorizationSeen && syncedClients.add(client)) {
                synced.countDown();
            }
        }

        void expect(String name, int clients) {
            lastArrival.set(0);
            arrivals = new CountDownLatch(clients);
            awaited = name;
        }
    }

    static SslContext clientTls(Path dir) throws Exception {
        Svid svid = Svid.fromPem(Files.readString(dir.resolve("client-chain.pem")), Files.readString(dir.resolve("client-key.pem")));
        TrustBundle bundle = TrustBundle.fromPem("cluster.local", Files.readString(dir.resolve("root.pem")));
        return MeshTls.client(svid, bundle, PeerPolicy.exactly(SERVER));
    }

    static List<Client> connect(SslContext tls, int port, int count, Probe probe) {
        List<Client> clients = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).sslContext(tls)
                    .maxInboundMessageSize(XdsChannels.MAX_MESSAGE_BYTES).build();
            clients.add(new Client(channel, "node-" + (i % 50), probe));
        }
        return clients;
    }

    static void close(List<Client> clients) throws InterruptedException {
        for (Client client : clients) {
            client.ads.close();
            client.channel.shutdownNow();
        }
        for (Client client : clients) {
            client.channel.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static void run(Path dir, int xdsPort, int httpPort, long serverPid, int clientCount, int changes, String label,
            int pods, int services) throws Exception {
        SslContext tls = clientTls(dir);
        Probe probe = new Probe(clientCount);
        probe.syncTarget = pods + services;
        long start = System.nanoTime();
        List<Client> clients = connect(tls, xdsPort, clientCount, probe);
        clients.forEach(c -> c.ads.start());
        if (!probe.synced.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException("clients did not sync; " + probe.synced.getCount() + " left");
        }
        double syncMs = (System.nanoTime() - start) / 1e6;
        double kib = clients.stream().mapToLong(c -> c.bytes.get()).average().orElse(0) / 1024;
        System.out.printf("RESULT sync %s %.0f ms %.0f KiB/client%n", label, syncMs, kib);

        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String admin = "Bearer " + java.nio.file.Files.readString(dir.resolve("admin")).strip(); // bench/xds.sh writes it
        boolean[] ready = new boolean[pods];
        Arrays.fill(ready, true);
        int servicesPerNamespace = Math.max(1, services / MeshGenerator.NAMESPACES);
        double[] latencies = new double[changes];
        int missed = 0;
        for (int i = 0; i < changes; i++) {
            int p = (int) ((i * 7919L) % pods);
            ready[p] = !ready[p];
            String yaml = MeshGenerator.pod(p, servicesPerNamespace, pods, ready[p]);
            probe.expect("Kubernetes//Pod/bench-" + (p % MeshGenerator.NAMESPACES) + "/pod-" + p, clientCount);
            long t0 = System.nanoTime();
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/store/apply"))
                    .header("Content-Type", "application/yaml").header("Authorization", admin).POST(HttpRequest.BodyPublishers.ofString(yaml)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("apply refused: " + response.body());
            }
            if (!probe.arrivals.await(10, TimeUnit.SECONDS)) {
                missed++;
                latencies[i] = 10_000;
                continue;
            }
            latencies[i] = (probe.lastArrival.get() - t0) / 1e6;
        }
        Arrays.sort(latencies);
        System.out.printf("RESULT push %s p50 %.1f p99 %.1f max %.1f missed %d%n", label,
                latencies[changes / 2], latencies[(int) Math.ceil(changes * 0.99) - 1], latencies[changes - 1], missed);

        if (serverPid > 0) {
            long withClients = heapAfterGc(serverPid);
            close(clients);
            long full = awaitStableHeap(serverPid);
            for (int n = 0; n < MeshGenerator.NAMESPACES; n++) { // one request per namespace file
                StringBuilder namespace = new StringBuilder();
                for (int p = n; p < pods; p += MeshGenerator.NAMESPACES) {
                    namespace.append(MeshGenerator.pod(p, servicesPerNamespace, pods, ready[p])).append("---\n");
                }
                HttpResponse<String> deleted = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/store/delete"))
                        .header("Content-Type", "application/yaml").header("Authorization", admin).POST(HttpRequest.BodyPublishers.ofString(namespace.toString())).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (deleted.statusCode() != 200) {
                    throw new IllegalStateException("delete refused: " + deleted.body());
                }
            }
            long empty = awaitStableHeap(serverPid);
            System.out.printf("RESULT heap %s %.0f bytes/workload %.0f bytes/client (heap with pods %d MiB, without %d MiB, with %d clients %d MiB)%n",
                    label, (full - empty) / (double) pods, (withClients - full) / (double) clientCount,
                    full >> 20, empty >> 20, clientCount, withClients >> 20);
        } else {
            close(clients);
        }
    }

    /** Heap in use after two full GCs, read twice until it settles (the server drops closed streams asynchronously). */
    private static long awaitStableHeap(long pid) throws Exception {
        long previous = heapAfterGc(pid);
        for (int i = 0; i < 10; i++) {
            long now = heapAfterGc(pid);
            if (Math.abs(now - previous) < (1 << 20)) {
                return now;
            }
            previous = now;
        }
        return previous;
    }

    private static final Pattern USED = Pattern.compile("used (\\d+)K");

    static long heapAfterGc(long pid) throws Exception {
        jcmd(pid, "GC.run");
        jcmd(pid, "GC.run");
        String info = jcmd(pid, "GC.heap_info");
        Matcher used = USED.matcher(info);
        if (!used.find()) {
            throw new IllegalStateException("cannot read heap use from: " + info);
        }
        return Long.parseLong(used.group(1)) * 1024;
    }

    private static String jcmd(long pid, String command) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process process = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("jcmd " + command + " failed: " + out);
        }
        return out;
    }

}
