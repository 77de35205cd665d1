package io.ambit.bench.xds;

import java.io.IOException;
import java.io.Writer;
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

import io.ambit.identity.Pem;
import io.ambit.identity.Svid;
import io.ambit.identity.TrustBundle;
import io.ambit.testkit.IssuedCertificate;
import io.ambit.testkit.TestCa;
import io.ambit.tls.MeshTls;
import io.ambit.tls.PeerPolicy;
import io.ambit.xdsclient.DeltaAdsClient;
import io.ambit.xdsclient.XdsChannels;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;

/**
 * The L7 case: W waypoints (one per namespace, each bound by its namespace), R HTTPRoutes spread
 * over them (a 90/10 split each), and W delta-ADS clients subscribed to LDS/RDS/CDS/EDS, each with
 * its waypoint's own certificate. For C single-route changes through the store's REST API: the
 * time until the waypoint that holds the route has the new RouteConfiguration (it is the only
 * client that should get anything), how many resources all clients received per change, and how
 * many reached any other waypoint's client (none should).
 * <pre>
 *   generate-l7 DIR ROUTES WAYPOINTS
 *   run-l7 DIR XDS_PORT HTTP_PORT ROUTES WAYPOINTS CHANGES
 * </pre>
 */
final class L7Load {

    static final List<String> TYPES = List.of("type.googleapis.com/envoy.config.listener.v3.Listener",
            "type.googleapis.com/envoy.config.route.v3.RouteConfiguration", "type.googleapis.com/envoy.config.cluster.v3.Cluster",
            "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment");

    private L7Load() {
    }

    static void generate(Path dir, int routes, int waypoints) throws IOException {
        Files.createDirectories(dir.resolve("config"));
        int perWaypoint = Math.max(1, routes / waypoints);
        TestCa ca = TestCa.newRoot("cluster.local");
        for (int n = 0; n < waypoints; n++) {
            try (Writer yaml = Files.newBufferedWriter(dir.resolve("config/l7-" + n + ".yaml"))) {
                yaml.write("apiVersion: v1\nkind: Namespace\nmetadata: {name: l7-" + n
                        + ", labels: {istio.io/dataplane-mode: ambient, istio.io/use-waypoint: waypoint}}\n");
                yaml.write("---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: waypoint, namespace: l7-" + n
                        + "}\nspec: {gatewayClassName: istio-waypoint, listeners: [{name: mesh, port: 15008, protocol: HBONE}]}\n");
                yaml.write("---\napiVersion: v1\nkind: Service\nmetadata: {name: waypoint, namespace: l7-" + n + "}\nspec: {clusterIP: "
                        + MeshGenerator.ip(97, n) + ", ports: [{name: mesh, port: 15008}]}\n");
                for (int s = 0; s < perWaypoint; s++) {
                    yaml.write("---\napiVersion: v1\nkind: Service\nmetadata: {name: svc-" + s + ", namespace: l7-" + n
                            + "}\nspec: {selector: {app: svc-" + s + "}, clusterIP: " + MeshGenerator.ip(96, n * perWaypoint + s)
                            + ", ports: [{name: http, port: 80, targetPort: 8080}]}\n");
                    yaml.write("---\napiVersion: v1\nkind: Pod\nmetadata: {name: pod-" + s + ", namespace: l7-" + n + ", labels: {app: svc-" + s
                            + "}}\nspec: {nodeName: node-" + (n % 50) + ", containers: [{name: app, image: app:1}]}\n"
                            + "status: {podIP: " + MeshGenerator.ip(244, n * perWaypoint + s) + ", conditions: [{type: Ready, status: \"True\"}]}\n");
                    yaml.write("---\n" + route(n, s, perWaypoint, 90));
                }
            }
            IssuedCertificate waypoint = ca.issue("spiffe://cluster.local/ns/l7-" + n + "/sa/waypoint");
            Files.writeString(dir.resolve("waypoint-" + n + "-chain.pem"), Pem.encodeCertificates(waypoint.chain()));
            Files.writeString(dir.resolve("waypoint-" + n + "-key.pem"), Pem.encode(waypoint.privateKey()));
        }
        Files.writeString(dir.resolve("root.pem"), Pem.encode(ca.root()));
        // the transport floor (LimitServer) in the same run connects as a node agent would
        IssuedCertificate client = ca.issue("spiffe://cluster.local/ns/istio-system/sa/ztunnel");
        Files.writeString(dir.resolve("client-chain.pem"), Pem.encodeCertificates(client.chain()));
        Files.writeString(dir.resolve("client-key.pem"), Pem.encode(client.privateKey()));
        IssuedCertificate server = ca.issue("spiffe://cluster.local/ns/istio-system/sa/xds-server");
        Files.writeString(dir.resolve("server-chain.pem"), Pem.encodeCertificates(server.chain()));
        Files.writeString(dir.resolve("server-key.pem"), Pem.encode(server.privateKey()));
    }

    /** Route {@code s} of namespace {@code n}: service s gets {@code weight}%, the next service the rest. */
    static String route(int n, int s, int perWaypoint, int weight) {
        return "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: route-" + s + ", namespace: l7-" + n
                + "}\nspec:\n  parentRefs: [{group: \"\", kind: Service, name: svc-" + s + ", port: 80}]\n"
                + "  rules: [{backendRefs: [{name: svc-" + s + ", port: 80, weight: " + weight + "}, {name: svc-"
                + ((s + 1) % perWaypoint) + ", port: 80, weight: " + (100 - weight) + "}]}]\n";
    }

    static void run(Path dir, int xdsPort, int httpPort, int routes, int waypoints, int changes) throws Exception {
        int perWaypoint = Math.max(1, routes / waypoints);
        TrustBundle bundle = TrustBundle.fromPem("cluster.local", Files.readString(dir.resolve("root.pem")));
        AtomicLong received = new AtomicLong();
        // resources that reached a waypoint other than the changed route's during the changes: should stay 0
        AtomicLong toOthers = new AtomicLong();
        int[] changedWaypoint = {-1};
        AtomicLong arrival = new AtomicLong();
        String[] awaited = {""};
        CountDownLatch[] arrived = {new CountDownLatch(0)};
        CountDownLatch synced = new CountDownLatch(waypoints);
        List<DeltaAdsClient> clients = new ArrayList<>();
        List<ManagedChannel> channels = new ArrayList<>();
        long start = System.nanoTime();
        for (int n = 0; n < waypoints; n++) {
            Svid svid = Svid.fromPem(Files.readString(dir.resolve("waypoint-" + n + "-chain.pem")),
                    Files.readString(dir.resolve("waypoint-" + n + "-key.pem")));
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", xdsPort)
                    .sslContext(MeshTls.client(svid, bundle, PeerPolicy.exactly(XdsLoad.SERVER)))
                    .maxInboundMessageSize(XdsChannels.MAX_MESSAGE_BYTES).build();
            channels.add(channel);
            String expectRoute = "outbound|80||svc-" + (perWaypoint - 1) + ".l7-" + n + ".svc.cluster.local";
            boolean[] done = {false};
            int self = n;
            Node node = Node.newBuilder().setId("waypoint~" + MeshGenerator.ip(245, n) + "~waypoint-0.l7-" + n + "~l7-" + n + ".svc.cluster.local").build();
            clients.add(DeltaAdsClient.builder(channel, node, update -> {
                long now = System.nanoTime();
                for (var resource : update.updated()) {
                    received.incrementAndGet();
                    if (changedWaypoint[0] >= 0 && changedWaypoint[0] != self) {
                        toOthers.incrementAndGet();
                    }
                    if (resource.name().equals(awaited[0])) {
                        arrival.accumulateAndGet(now, Math::max);
                        arrived[0].countDown();
                    }
                    synchronized (done) {
                        if (!done[0] && resource.name().equals(expectRoute)) {
                            done[0] = true;
                            synced.countDown();
                        }
                    }
                }
                return List.of();
            }).types(TYPES).build().start());
        }
        if (!synced.await(5, TimeUnit.MINUTES)) {
            throw new IllegalStateException("waypoints did not sync; " + synced.getCount() + " left");
        }
        System.out.printf("RESULT l7-sync %d waypoints %.0f ms %d resources%n", waypoints, (System.nanoTime() - start) / 1e6, received.get());

        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String admin = "Bearer " + Files.readString(dir.resolve("admin")).strip();
        int[] weights = new int[routes];
        Arrays.fill(weights, 90);
        double[] latencies = new double[changes];
        int missed = 0;
        long before = received.get();
        for (int i = 0; i < changes; i++) {
            int r = (int) ((i * 7919L) % (perWaypoint * waypoints));
            int n = r / perWaypoint;
            int s = r % perWaypoint;
            weights[r] = weights[r] == 90 ? 80 : 90;
            awaited[0] = "outbound|80||svc-" + s + ".l7-" + n + ".svc.cluster.local";
            changedWaypoint[0] = n;
            arrival.set(0);
            arrived[0] = new CountDownLatch(1);
            long t0 = System.nanoTime();
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/store/apply"))
                    .header("Content-Type", "application/yaml").header("Authorization", admin)
                    .POST(HttpRequest.BodyPublishers.ofString(route(n, s, perWaypoint, weights[r]))).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("apply refused: " + response.body());
            }
            if (!arrived[0].await(10, TimeUnit.SECONDS)) {
                missed++;
                latencies[i] = 10_000;
                continue;
            }
            latencies[i] = (arrival.get() - t0) / 1e6;
        }
        Arrays.sort(latencies);
        System.out.printf("RESULT l7-push p50 %.1f p99 %.1f max %.1f missed %d resources/change %.2f to-other-waypoints %d%n",
                latencies[changes / 2], latencies[(int) Math.ceil(changes * 0.99) - 1], latencies[changes - 1], missed,
                (received.get() - before) / (double) changes, toOthers.get());
        for (DeltaAdsClient client : clients) {
            client.close();
        }
        for (ManagedChannel channel : channels) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
