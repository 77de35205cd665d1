package io.ambit.bench.waypoint;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import io.ambit.lab.KubeObjects;
import io.ambit.lab.Lab;
import io.ambit.lab.LabSpec;
import io.ambit.lab.WaypointDeployer;

/**
 * The lab {@code bench/waypoint.sh} measures: two nodes; in the ambient namespace {@code bench}
 * a client pod (node 1), a server pod (node 2) behind Service {@code server} (VIP
 * {@value #VIP}, port 80 → 8080) and the namespace's waypoint (the lab deploys it on node 1); in
 * the namespace {@code plain}, which is not in the mesh, the same pair ({@code plain-client},
 * {@code plain-server}) and an empty pod on node 1 for the peer's middle proxy, so that the direct
 * path and HAProxy take the same hops between the nodes as Ambit does.
 *
 * <p>{@code java -cp benchmarks.jar io.ambit.bench.waypoint.WaypointLab <repo> <ready-file>}: builds
 * it, applies the waypoint Gateway, binds the namespace to it and routes the Service with an
 * HTTPRoute (one rule, one request header added: the L7 work the peer does too), proves that a
 * request from the client pod reaches the server through the waypoint, writes {@code KEY VALUE}
 * lines (pod namespaces and addresses, the three proxies' pids, the waypoint's metrics URL) to
 * the ready file and stays up until it is terminated, which removes the lab.
 */
public final class WaypointLab {

    static final String VIP = "10.96.0.20";

    private WaypointLab() {
    }

    static LabSpec spec() {
        List<LabSpec.Port> http = List.of(new LabSpec.Port("http", 80, 8080));
        return LabSpec.builder(2)
                .ambientNamespace("bench")
                .namespace("plain", Map.of())
                .pod("client", "bench", "client", 1, Map.of("app", "client"))
                .pod("server", "bench", "server", 2, Map.of("app", "server"))
                .pod("plain-client", "plain", "client", 1, Map.of("app", "plain-client"))
                .pod("plain-server", "plain", "server", 2, Map.of("app", "plain-server"))
                .pod("haproxy-w", "plain", "haproxy", 1, Map.of("app", "haproxy-w"))
                .service("server", "bench", VIP, http, Map.of("app", "server"))
                .build();
    }

    static final String L7_YAML = KubeObjects.namespaceWaypoint("bench") + """
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata:
              name: server
              namespace: bench
            spec:
              parentRefs:
                - {group: "", kind: Service, name: server, port: 80}
              rules:
                - matches:
                    - path: {type: PathPrefix, value: /}
                  filters:
                    - type: RequestHeaderModifier
                      requestHeaderModifier:
                        set: [{name: x-bench, value: waypoint}]
                  backendRefs:
                    - {name: server, port: 80}
            """;

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: WaypointLab <repo> <ready-file>");
            System.exit(2);
        }
        Path repo = Path.of(args[0]).toAbsolutePath();
        Path ready = Path.of(args[1]);
        Lab lab = Lab.start(spec(), new Lab.Options(repo, repo.resolve(".mesh/bench-runs/waypoint-lab"), false, List.of()));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            lab.close();
            stopped.countDown();
        }));
        lab.apply(L7_YAML);
        WaypointDeployer.Instance waypoint = lab.waypoints().await("bench", "waypoint");
        proveWaypointPath(lab, waypoint);
        StringBuilder out = new StringBuilder();
        for (LabSpec.PodSpec pod : lab.spec().pods()) {
            out.append("ns-").append(pod.name()).append(' ').append(lab.network().podNamespace(pod.name())).append('\n');
            out.append("ip-").append(pod.name()).append(' ').append(pod.ip().getHostAddress()).append('\n');
        }
        out.append("vip ").append(VIP).append('\n');
        out.append("pid-ztunnel-1 ").append(lab.ztunnel(1).process().pid()).append('\n');
        out.append("pid-ztunnel-2 ").append(lab.ztunnel(2).process().pid()).append('\n');
        out.append("pid-waypoint ").append(waypoint.process().pid()).append('\n');
        out.append("waypoint-node ").append(waypoint.node()).append('\n');
        out.append("waypoint-metrics ").append(waypoint.metricsUrl()).append('\n');
        out.append("logs ").append(lab.runDir()).append('\n');
        Path partial = ready.resolveSibling(ready.getFileName() + ".tmp");
        Files.writeString(partial, out);
        Files.move(partial, ready);
        stopped.await();
    }

    /**
     * The benchmark measures nothing unless the client's requests really cross the waypoint: one
     * request from the client pod, then the waypoint's own count of 200s for the Service must
     * have grown (a bypass would leave it unchanged).
     */
    private static void proveWaypointPath(Lab lab, WaypointDeployer.Instance waypoint) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        long before = served(http, waypoint);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            String answer = lab.echoClientAllowingFailures("client", "http://" + VIP + ":80/", "--count", "1");
            if (answer.lines().anyMatch(l -> l.equals("Pod=server")) && served(http, waypoint) > before) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("a request from the client pod to " + VIP + ":80 did not pass the waypoint within 60 s; last answer:\n"
                        + answer);
            }
            Thread.sleep(500);
        }
    }

    /** The waypoint's {@code istio_requests_total} with response code 200, summed over its series. */
    private static long served(HttpClient http, WaypointDeployer.Instance waypoint) throws IOException, InterruptedException {
        String text = http.send(HttpRequest.newBuilder(URI.create(waypoint.metricsUrl())).build(), HttpResponse.BodyHandlers.ofString()).body();
        return text.lines().filter(l -> l.startsWith("istio_requests_total{") && l.contains("response_code=\"200\""))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
