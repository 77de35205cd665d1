package io.ambit.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar lab.jar up [--default-ports] [--host] [--with admin-ui] [--cache DIR] [--repo DIR] [spec.yaml]}:
 * builds the lab (the demo when no spec is given), drives a little traffic through it, prints what
 * runs where, how long each process took to start and how to look at it, and stays up until
 * Ctrl-C, which tears everything down. {@code --host}: no namespaces (no root needed); pods at
 * loopback addresses reach their ztunnel through SOCKS5. {@code --with}: the companions
 * {@code ./mesh up} runs beside the lab. {@code --cache}: start services from their ahead-of-time
 * caches in DIR. Waypoints are deployed per waypoint Gateway in the store ({@link WaypointDeployer}). {@code java -jar lab.jar cache [--repo DIR] DIR}: builds those caches.
 * {@code java -jar lab.jar down}: removes whatever an earlier lab left behind.
 */
public final class LabMain {

    private LabMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
            usage();
            return;
        }
        switch (args[0]) {
            case "down" -> {
                List<String> left = LabNetwork.existing();
                LabNetwork.removeStale();
                System.out.println(left.isEmpty() ? "lab: nothing to remove" : "lab: removed " + left);
            }
            case "up" -> up(List.of(args).subList(1, args.length));
            case "cache" -> cache(List.of(args).subList(1, args.length));
            default -> {
                usage();
                System.exit(2);
            }
        }
    }

    private static void usage() {
        System.out.println("usage: lab.jar up [--default-ports] [--host] [--with admin-ui] [--cache DIR] [--repo DIR] [spec.yaml]"
                + " | lab.jar cache [--repo DIR] DIR | lab.jar down");
    }

    private static void up(List<String> args) throws Exception {
        boolean defaultPorts = false;
        boolean onHost = false;
        Path repo = Path.of("").toAbsolutePath();
        Path specFile = null;
        Path cacheDir = null;
        List<Lab.Companion> companions = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            switch (args.get(i)) {
                case "--default-ports" -> defaultPorts = true;
                case "--host" -> onHost = true;
                case "--repo" -> repo = Path.of(args.get(++i)).toAbsolutePath();
                case "--cache" -> cacheDir = Path.of(args.get(++i)).toAbsolutePath();
                case "--with" -> companions.addAll(companions(args.get(++i)));
                default -> specFile = Path.of(args.get(i));
            }
        }
        LabSpec spec = specFile == null ? Demo.spec() : LabSpec.parse(specFile);
        System.out.println("lab: building " + spec.nodes() + " nodes and " + spec.pods().size() + " pods "
                + (onHost ? "on the host (no root: loopback addresses, SOCKS5 instead of capture)..." : "in network namespaces..."));
        Lab.Options options = new Lab.Options(repo, repo.resolve(".mesh/lab-runs"), defaultPorts, List.of()).with(companions);
        if (cacheDir != null) {
            options = options.cachedIn(cacheDir);
        }
        Lab lab = Lab.start(spec, onHost ? options.onTheHost() : options);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            System.out.println("\nlab: stopping...");
            lab.close();
            System.out.println(lab.onHost() ? "lab: stopped" : "lab: stopped; every namespace and link removed");
            stopped.countDown();
        }));
        if (defaultPorts) {
            shareTokens(lab, repo.resolve(".mesh/tokens"));
        }
        if (specFile == null) {
            Demo.traffic(lab);
            Demo.l7(lab);
        }
        print(lab);
        if (defaultPorts) {
            // ./mesh status reads it: rewritten whenever a waypoint is deployed, removed or restarted
            ProcessTableFile table = new ProcessTableFile(repo.resolve(".mesh/processes"), lab::processTable);
            table.write();
            lab.waypoints().onChange(table::write);
        }
        Files.writeString(lab.runDir().resolve("ready"), "up\n");
        stopped.await();
    }

    /** {@code --with admin-ui}: the companions by name; an unknown name is refused with the valid ones. */
    static List<Lab.Companion> companions(String names) {
        List<Lab.Companion> known = Lab.Companion.meshUp();
        List<Lab.Companion> chosen = new ArrayList<>();
        for (String name : names.split(",")) {
            chosen.add(known.stream().filter(c -> c.name().equals(name.strip())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("--with: unknown service '" + name.strip() + "'; choose from "
                            + known.stream().map(Lab.Companion::name).toList())));
        }
        return chosen;
    }

    /** {@code lab.jar cache [--repo DIR] DIR}: the services' ahead-of-time caches, built where they are missing or stale. */
    private static void cache(List<String> args) throws IOException {
        Path repo = Path.of("").toAbsolutePath();
        Path dir = null;
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals("--repo")) {
                repo = Path.of(args.get(++i)).toAbsolutePath();
            } else {
                dir = Path.of(args.get(i)).toAbsolutePath();
            }
        }
        if (dir == null) {
            usage();
            System.exit(2);
        }
        long start = System.nanoTime();
        Map<String, String> failed = new StartupCache(dir).prepare(Training.jobs(repo));
        failed.forEach((name, why) -> System.out.println("lab: no start-up cache for " + name + " (it will start from its jar): " + why));
        System.out.printf("lab: start-up caches ready in %.1f s (%s)%n", (System.nanoTime() - start) / 1e9, dir);
    }

    /**
     * What each service needs to reach its context refresh alone: throwaway state in the training
     * folder, and peers at loopback port 9, where nothing listens (a training run must never talk
     * to a running mesh).
     */
    static final class Training {
        private static final String NOWHERE = "127.0.0.1:9";

        private Training() {
        }

        static Map<String, StartupCache.Training> jobs(Path repo) {
            Map<String, List<String>> args = new java.util.LinkedHashMap<>();
            args.put("ca-service", List.of("--ambit.ca.state-dir={work}/ca", "--ambit.ca.local.config-dir={work}",
                    "--ambit.ca.local.store-url=http://" + NOWHERE));
            args.put("xds-server", List.of("--ambit.xds.local.config-dir={work}", "--ambit.xds.identity.token-file={work}/token",
                    "--ambit.xds.identity.ca-address=" + NOWHERE, "--ambit.xds.identity.bundle-url=http://" + NOWHERE + "/"));
            args.put("ztunnel", List.of("--ambit.ztunnel.node=training", "--ambit.ztunnel.token-file={work}/token",
                    "--ambit.ztunnel.ca-address=" + NOWHERE, "--ambit.ztunnel.xds-address=" + NOWHERE,
                    "--ambit.ztunnel.bundle-url=http://" + NOWHERE + "/", "--ambit.ztunnel.admin-port=0",
                    "--ambit.ztunnel.proxy.socks=true", "--ambit.ztunnel.proxy.capture=false"));
            args.put("waypoint", List.of());
            args.put("admin-ui", List.of());
            Map<String, StartupCache.Training> jobs = new java.util.LinkedHashMap<>();
            args.forEach((name, a) -> {
                List<String> all = new ArrayList<>(List.of("--server.port=0", "--management.server.port=0"));
                all.addAll(a);
                jobs.put(name, new StartupCache.Training(repo.resolve("services/" + name + "/target/" + name + ".jar"), all));
            });
            return jobs;
        }
    }

    /**
     * The run's tokens where ./meshctl (admin token, watch as a node) and the services ./mesh starts
     * beside the lab (they read .mesh/tokens/admin and notice the new file) look for them. Each is
     * written owner-only to a temporary name and renamed, so no reader sees a partial or open file.
     */
    private static void shareTokens(Lab lab, Path dir) throws IOException {
        var ownerOnly = java.nio.file.attribute.PosixFilePermissions.fromString("rw-------");
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        for (Path token : lab.tokenFiles()) {
            Path temporary = Files.createTempFile(dir, ".share-", ".tmp",
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(ownerOnly));
            Files.write(temporary, Files.readAllBytes(token));
            Files.move(temporary, dir.resolve(token.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
    }

    private static void print(Lab lab) throws IOException {
        LabSpec spec = lab.spec();
        System.out.println();
        System.out.printf("%-12s %-10s %-8s %-14s %-44s %s%n", "POD", "NAMESPACE", "NODE", "IP", "IDENTITY", "MESH");
        String served = lab.onHost() ? "served (HBONE; app uses SOCKS5 " : "captured (HBONE)";
        for (LabSpec.PodSpec pod : spec.pods()) {
            String mesh = lab.enrolled(pod.name())
                    ? (lab.isCaptured(pod) ? served + (lab.onHost() ? lab.socksOf(pod.name()) + ")" : "") : "NOT captured")
                    : "not enrolled";
            System.out.printf("%-12s %-10s %-8s %-14s %-44s %s%n", pod.name(), pod.namespace(), Lab.nodeName(pod.node()),
                    pod.ip().getHostAddress(), "spiffe://cluster.local/ns/" + pod.namespace() + "/sa/" + pod.serviceAccount(), mesh);
        }
        System.out.println();
        for (LabSpec.ServiceSpec service : spec.services()) {
            List<String> endpoints = new ArrayList<>();
            lab.spec().endpoints(service).forEach(p -> endpoints.add(p.name()));
            System.out.printf("service %s  %s  ports %s  endpoints %s%n", service.hostname(), service.vip().getHostAddress(),
                    service.ports().stream().map(p -> p.port() + "->" + p.targetPort()).toList(), endpoints);
        }
        System.out.println();
        for (int n = 1; n <= spec.nodes(); n++) {
            Lab.Ztunnel z = lab.ztunnel(n);
            System.out.printf("ztunnel %s: metrics %s   config %s%n", Lab.nodeName(n), z.metricsUrl(), z.configDumpUrl());
        }
        System.out.println();
        if (lab.onHost()) {
            System.out.println("See mTLS between the pods (root needed for tcpdump): only TLS crosses port 15008:");
            System.out.println("  sudo tcpdump -ni lo -c 20 -X 'tcp port 15008'");
            if (!spec.pods().isEmpty() && !spec.services().isEmpty()) {
                LabSpec.PodSpec first = spec.pods().getFirst();
                LabSpec.ServiceSpec service = spec.services().getFirst();
                System.out.println("Call as a pod (through its ztunnel's SOCKS5):");
                System.out.println("  curl -s --socks5 " + lab.socksOf(first.name()) + " http://" + service.vip().getHostAddress() + ":"
                        + service.ports().getFirst().port() + "/");
            }
        } else {
            System.out.println("See mTLS between the nodes (only TLS to port 15008 crosses the inter-node link):");
            System.out.println("  ip netns exec " + LabNetwork.ROUTER + " tcpdump -ni " + LabNetwork.interNodeLink(2) + " -c 20 -X tcp");
        }
        if (!lab.onHost() && !spec.pods().isEmpty()) {
            LabSpec.PodSpec first = spec.pods().getFirst();
            System.out.println("Call from a pod:");
            System.out.println("  ip netns exec " + lab.network().podNamespace(first.name()) + " curl -s http://"
                    + (spec.services().isEmpty() ? first.ip().getHostAddress() + ":8080"
                            : spec.services().getFirst().vip().getHostAddress() + ":" + spec.services().getFirst().ports().getFirst().port())
                    + "/");
        }
        StringBuilder times = new StringBuilder("start-up (launch to ready):");
        lab.startupTimes().forEach((name, d) -> times.append(String.format(" %s %.1f s%s", name, d.toMillis() / 1000.0,
                name.equals("lab") ? "" : ",")));
        System.out.println(times.toString().replace(", lab", "; whole lab"));
        System.out.println("Logs: " + lab.runDir() + "   Ctrl-C stops the lab and removes it.");
    }

    /**
     * The demo: a frontend calling two backends through a Service, in a namespace labelled ambient;
     * then its L7 part: a waypoint for the namespace, a 90/10 split, a denied path, retries.
     */
    static final class Demo {
        private Demo() {
        }

        static final String BACKEND = "http://10.96.0.20:80";
        /** HTTP on 80 and the echo server's gRPC on 7070 (the port name says gRPC, as Istio reads it). */
        static final List<LabSpec.Port> PORTS = List.of(new LabSpec.Port("http", 80, 8080), new LabSpec.Port("grpc", 7070, 7070));
        /** The README's proxyless gRPC example dials this (./meshctl proxyless). */
        static final String GRPC_TARGET = "xds:///backend.demo.svc.cluster.local:7070";

        static LabSpec spec() {
            return LabSpec.builder(2)
                    .ambientNamespace("demo")
                    .pod("frontend", "demo", "frontend", 1, Map.of("app", "frontend"))
                    .pod("backend-1", "demo", "backend", 1, Map.of("app", "backend", "version", "v1"))
                    .pod("backend-2", "demo", "backend", 2, Map.of("app", "backend", "version", "v2"))
                    .service("backend", "demo", "10.96.0.20", PORTS, Map.of("app", "backend"))
                    .service("backend-v1", "demo", "10.96.0.21", PORTS, Map.of("app", "backend", "version", "v1"))
                    .service("backend-v2", "demo", "10.96.0.22", PORTS, Map.of("app", "backend", "version", "v2"))
                    .build();
        }

        /** A few calls from the frontend to the backend Service, so the metrics have something to show. */
        static void traffic(Lab lab) throws IOException {
            String out = lab.echoClient("frontend", BACKEND + "/", "--count", "6");
            long toNode1 = out.lines().filter(l -> l.equals("Pod=backend-1")).count();
            long toNode2 = out.lines().filter(l -> l.equals("Pod=backend-2")).count();
            System.out.println("demo: frontend -> backend.demo (10.96.0.20:80): 6 requests, answered by backend-1 " + toNode1
                    + "x, backend-2 " + toNode2 + "x (" + out.lines().filter(l -> l.startsWith("ok=")).findFirst().orElse("") + ")");
        }

        /**
         * The L7 part: a waypoint Gateway for the demo namespace (the lab deploys it), the namespace
         * labelled to use it, an HTTPRoute splitting backend 90/10 over backend-v1 and backend-v2
         * with retries on 503 for {@code /flaky}, the same split for gRPC on 7070 (a GRPCRoute, which
         * the README's proxyless gRPC client follows), and an AuthorizationPolicy denying {@code /admin*}.
         */
        static final String L7_YAML = KubeObjects.namespaceWaypoint("demo") + """
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata:
                  name: backend-split
                  namespace: demo
                spec:
                  parentRefs:
                    - {group: "", kind: Service, name: backend, port: 80}
                  rules:
                    - matches:
                        - path: {type: PathPrefix, value: /flaky}
                      backendRefs:
                        - {name: backend, port: 80}
                      retry: {codes: [503], attempts: 2}
                    - backendRefs:
                        - {name: backend-v1, port: 80, weight: 90}
                        - {name: backend-v2, port: 80, weight: 10}
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: GRPCRoute
                metadata:
                  name: backend-grpc-split
                  namespace: demo
                spec:
                  parentRefs:
                    - {group: "", kind: Service, name: backend, port: 7070}
                  rules:
                    - backendRefs:
                        - {name: backend-v1, port: 7070, weight: 90}
                        - {name: backend-v2, port: 7070, weight: 10}
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata:
                  name: backend-no-admin
                  namespace: demo
                spec:
                  targetRefs:
                    - {group: "", kind: Service, name: backend}
                  action: DENY
                  rules:
                    - to:
                        - operation: {paths: ["/admin*"]}
                """;

        static void l7(Lab lab) throws IOException {
            lab.apply(L7_YAML);
            WaypointDeployer.Instance waypoint = lab.waypoints().await("demo", "waypoint");
            System.out.println("demo: waypoint Gateway demo/waypoint deployed: pod " + waypoint.pod() + " " + waypoint.ip().getHostAddress()
                    + ":15008 on " + Lab.nodeName(waypoint.node()) + ", Service " + waypoint.vip().getHostAddress() + "; namespace demo uses it");
            String denied = awaitDenied(lab);
            System.out.println("demo: GET /admin -> " + denied + " (AuthorizationPolicy backend-no-admin, enforced by the waypoint)");
            String split = lab.echoClientAllowingFailures("frontend", BACKEND + "/", "--count", "200", "--timeout", "2s");
            long v1 = split.lines().filter(l -> l.equals("Pod=backend-1")).count();
            long v2 = split.lines().filter(l -> l.equals("Pod=backend-2")).count();
            System.out.println("demo: HTTPRoute backend-split 90/10: 200 requests -> backend-v1 " + v1 + ", backend-v2 " + v2 + " (" + okLine(split) + ")");
            String flaky = lab.echoClientAllowingFailures("frontend", BACKEND + "/flaky?fail_every=3", "--count", "30", "--timeout", "2s");
            // the answer that got through carries the attempt it came from (x-envoy-attempt-count, set from the second on)
            long retried = flaky.lines().filter(l -> l.toLowerCase(java.util.Locale.ROOT).startsWith("requestheader=x-envoy-attempt-count:")).count();
            System.out.println("demo: /flaky (each backend answers 503 to every 3rd request): 30 requests, " + okLine(flaky) + "; " + retried
                    + " of them hid a 503 behind the waypoint's retries (x-envoy-attempt-count > 1)");
            System.out.println("demo: the waypoint's Envoy resources: ./meshctl debug waypoint demo/waypoint; the route's status (Accepted, ResolvedRefs): "
                    + lab.xdsUrl() + "/store/status?kind=HTTPRoute");
            System.out.println("demo: proxyless gRPC (grpc-xds in pod frontend, GRPCRoute backend-grpc-split 90/10): ./meshctl proxyless " + GRPC_TARGET);
        }

        /** Asks for /admin until the waypoint answers it (its config and the ztunnels' binding arrive in a few seconds). */
        private static String awaitDenied(Lab lab) throws IOException {
            long deadline = System.nanoTime() + Lab.START_TIMEOUT.toNanos();
            String last = "";
            while (System.nanoTime() < deadline) {
                last = lab.echoClientAllowingFailures("frontend", BACKEND + "/admin", "--timeout", "3s");
                if (last.contains("status 403")) {
                    return "403 " + last.lines().filter(l -> l.startsWith("RBAC")).findFirst().orElse("").strip();
                }
                MeshProcess.pause(500);
            }
            throw new IOException("the waypoint never denied /admin; last answer:\n" + last);
        }

        private static String okLine(String out) {
            return out.lines().filter(l -> l.startsWith("ok=")).reduce((a, b) -> b).orElse("");
        }
    }
}
