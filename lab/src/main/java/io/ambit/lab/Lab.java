package io.ambit.lab;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ambit.netns.topology.Topology;

/**
 * A running lab: the network ({@link LabNetwork}), the control plane (ca-service and xds-server
 * from their jars, on loopback), one ztunnel per node, the lab's objects registered in the xDS
 * server's store, and the echo workload in every pod, each started only once its pod is captured
 * (or at once when its namespace is not in the mesh). Every process logs into the run's folder.
 * {@link #close()} stops everything and removes every namespace; a crashed run's leftovers are
 * removed by the next start.
 */
public final class Lab implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Lab.class);
    static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private final LabSpec spec;
    private final Path repo;
    private final Path runDir;
    private final LabPorts ports;
    private final Topology network;
    private final Map<String, MeshProcess> services = new LinkedHashMap<>();
    private final Map<Integer, Ztunnel> ztunnels = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
    private final Map<String, MeshProcess> workloads = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
    private final List<String> workloadArgs;
    private int xdsMeshHttp;
    private final Duration certificateValidity;
    private final Map<Integer, int[]> ztunnelPorts;
    private final List<Companion> companions;
    private final StartupCache cache;
    private volatile Duration upAfter;
    private final WaypointDeployer waypoints = new WaypointDeployer(this);

    /** One node's ztunnel and where to reach it. */
    public record Ztunnel(int node, MeshProcess process, int adminPort, int metricsPort, int readinessPort) {
        public String configDumpUrl() {
            return "http://127.0.0.1:" + adminPort + "/config_dump";
        }

        public String metricsUrl() {
            return "http://127.0.0.1:" + metricsPort + "/actuator/prometheus";
        }

        public String readyUrl() {
            return "http://127.0.0.1:" + readinessPort + "/healthz/ready";
        }
    }

    /**
     * How to run a lab.
     *
     * @param repo                where the jars are
     * @param runsDir             where each run's folder (logs, tokens, state) goes
     * @param defaultPorts        the mesh's default ports ({@code ./mesh up}) instead of ephemeral ones (tests)
     * @param workloadArgs        extra arguments for every pod's echo server
     * @param certificateValidity what ztunnels ask the CA for (their own and the pods'); short in
     *                            the tests, so renewals happen while they watch
     * @param onHost              no namespaces (no root): pods on the host at loopback addresses,
     *                            workloads reaching ztunnel through SOCKS5 instead of capture
     * @param companions          services run beside the lab that no lab process depends on
     *                            ({@code ./mesh up}: the dashboard)
     * @param startupCache        where the services' ahead-of-time caches live, or null to start from the jars
     */
    public record Options(Path repo, Path runsDir, boolean defaultPorts, List<String> workloadArgs,
                          Duration certificateValidity, boolean onHost, List<Companion> companions, Path startupCache) {
        public Options {
            workloadArgs = List.copyOf(workloadArgs);
            companions = List.copyOf(companions);
        }

        public Options(Path repo, Path runsDir, boolean defaultPorts, List<String> workloadArgs) {
            this(repo, runsDir, defaultPorts, workloadArgs, Duration.ofHours(24), false, List.of(), null);
        }

        public static Options forTests(Path repo, Duration certificateValidity) {
            return new Options(repo, repo.resolve("lab/target/lab-runs"), false, List.of(), certificateValidity, false, List.of(), null);
        }

        public Options onTheHost() {
            return new Options(repo, runsDir, defaultPorts, workloadArgs, certificateValidity, true, companions, startupCache);
        }

        public Options with(List<Companion> more) {
            List<Companion> all = new ArrayList<>(companions);
            all.addAll(more);
            return new Options(repo, runsDir, defaultPorts, workloadArgs, certificateValidity, onHost, all, startupCache);
        }

        public Options cachedIn(Path dir) {
            return new Options(repo, runsDir, defaultPorts, workloadArgs, certificateValidity, onHost, companions, dir);
        }
    }

    /**
     * A service started beside the lab, in local mode with its own defaults: its listeners on
     * loopback (in the bind plan) and its readiness URL (the first port's actuator health).
     */
    public record Companion(String name, List<Integer> ports) {
        public Companion {
            ports = List.copyOf(ports);
        }

        /**
         * What {@code ./mesh up} runs beside the lab; their ports are those of the services' local
         * profiles. (Waypoints are not companions: {@link WaypointDeployer} runs one per waypoint Gateway.)
         */
        public static List<Companion> meshUp() {
            return List.of(new Companion("admin-ui", List.of(8080)));
        }

        String readyUrl() {
            return "http://127.0.0.1:" + ports.getFirst() + "/actuator/health";
        }
    }

    private Lab(LabSpec spec, Options options, Path runDir, LabPorts ports, Map<Integer, int[]> ztunnelPorts, Topology network) {
        this.spec = spec;
        this.repo = options.repo();
        this.runDir = runDir;
        this.ports = ports;
        this.ztunnelPorts = Map.copyOf(ztunnelPorts);
        this.network = network;
        this.workloadArgs = options.workloadArgs();
        this.certificateValidity = options.certificateValidity();
        this.companions = options.companions();
        this.cache = options.startupCache() == null ? null : new StartupCache(options.startupCache());
    }

    /** node-a, node-b, …: the names the local demo and meshctl use. */
    public static String nodeName(int node) {
        return "node-" + (char) ('a' + node - 1);
    }

    /**
     * Checks the whole plan of listeners, then starts what does not depend on anything (the CA,
     * the xDS server, the companions) at once, the ztunnels as soon as the CA answers (they ask it
     * for certificates first), and every pod's workload as soon as its pod is captured: on two
     * cores JVM start-up is the cost, so nothing waits that need not.
     */
    public static Lab start(LabSpec spec, Options options) throws IOException {
        long begin = System.nanoTime();
        if (options.onHost()) {
            spec = spec.onLoopback();
        } else if (!Shell.isRoot()) {
            throw new IOException("the mesh lab needs root: it creates network namespaces, links and redirect rules");
        }
        List<String> jars = new ArrayList<>(List.of("services/ca-service/target/ca-service.jar", "services/xds-server/target/xds-server.jar",
                "services/ztunnel/target/ztunnel.jar", "workloads/echo/target/echo.jar", serviceJar("waypoint")));
        options.companions().stream().filter(c -> !c.name().equals("waypoint")).forEach(c -> jars.add(serviceJar(c.name())));
        for (String jar : jars) {
            if (!Files.isRegularFile(options.repo().resolve(jar))) {
                throw new IOException("missing " + jar + ": build first (mvn -DskipTests install)");
            }
        }
        LabPorts ports = options.defaultPorts() ? LabPorts.defaults() : LabPorts.ephemeral();
        Map<Integer, int[]> ztunnelPorts = new LinkedHashMap<>();
        for (int n = 1; n <= spec.nodes(); n++) {
            ztunnelPorts.put(n, ports.ztunnel(n));
        }
        bindPlan(spec, ports, ztunnelPorts, options).check();
        Path runDir = options.runsDir().resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS")));
        Files.createDirectories(runDir);
        Topology network = options.onHost() ? null : LabNetwork.create(spec);
        Lab lab = new Lab(spec, options, runDir, ports, ztunnelPorts, network);
        try {
            lab.startControlPlane();
            lab.companions.forEach(lab::launchCompanion);
            lab.awaitReady("ca-service", "http://127.0.0.1:" + ports.caHttp() + "/actuator/health/readiness");
            for (int n = 1; n <= spec.nodes(); n++) {
                lab.launchZtunnel(n);
            }
            lab.awaitReady("xds-server", "http://127.0.0.1:" + ports.xdsHttp() + "/actuator/health/readiness");
            for (int n = 1; n <= spec.nodes(); n++) {
                lab.awaitZtunnel(n);
            }
            lab.startWorkloads(spec.pods().stream().map(LabSpec.PodSpec::name).toList());
            for (Companion companion : lab.companions) {
                lab.awaitReady(companion.name(), companion.readyUrl());
            }
            lab.waypoints.start();
        } catch (IOException | RuntimeException e) {
            lab.close();
            throw e;
        }
        lab.upAfter = Duration.ofNanos(System.nanoTime() - begin);
        log.info("lab up in {} ms: {} nodes, {} pods; logs in {}", lab.upAfter.toMillis(), spec.nodes(), spec.pods().size(), runDir);
        return lab;
    }

    /** Every listener the lab opens in the host's own namespace (pods' too when they live on the host). */
    static BindPlan bindPlan(LabSpec spec, LabPorts ports, Map<Integer, int[]> ztunnelPorts, Options options) {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        List<BindPlan.Bind> binds = new ArrayList<>(List.of(
                new BindPlan.Bind("ca-service (gRPC)", loopback, ports.caGrpc()),
                new BindPlan.Bind("ca-service (HTTP)", loopback, ports.caHttp()),
                new BindPlan.Bind("xds-server (ADS)", loopback, ports.xdsGrpc()),
                new BindPlan.Bind("xds-server (HTTP)", loopback, ports.xdsHttp())));
        ztunnelPorts.forEach((node, p) -> {
            for (int port : p) {
                binds.add(new BindPlan.Bind("ztunnel " + nodeName(node), loopback, port));
            }
        });
        if (options.defaultPorts()) {
            binds.add(new BindPlan.Bind("xds-server (mesh HTTP, mutual TLS)", loopback, 15017));
        }
        for (Companion companion : options.companions()) {
            companion.ports().forEach(port -> binds.add(new BindPlan.Bind(companion.name(), loopback, port)));
        }
        if (options.onHost()) {
            for (LabSpec.PodSpec pod : spec.pods()) {
                for (int port : POD_ZTUNNEL_PORTS) {
                    binds.add(new BindPlan.Bind("ztunnel " + nodeName(pod.node()) + " for pod " + pod.name(), pod.ip(), port));
                }
                for (int port : ECHO_PORTS) {
                    binds.add(new BindPlan.Bind("echo in pod " + pod.name(), pod.ip(), port));
                }
            }
        }
        return new BindPlan(binds);
    }

    /** ztunnel's listeners at a pod's address (outbound, inbound plain text, HBONE, SOCKS5) and the echo server's defaults. */
    private static final List<Integer> POD_ZTUNNEL_PORTS = List.of(15001, 15006, 15008, 15080);
    private static final List<Integer> ECHO_PORTS = List.of(8080, 7070, 9090, 9091);

    private void startControlPlane() throws IOException {
        xdsMeshHttp = ports.xdsMeshHttp();
        // Every secret goes to a process as an owner-only file, never as an argument: ps and
        // /proc/<pid>/cmdline show arguments to every local user (the services refuse them too).
        Path tokens = Files.createDirectories(runDir.resolve("tokens"));
        Files.setPosixFilePermissions(tokens, PosixFilePermissions.fromString("rwx------"));
        List<String> nodeTokens = new ArrayList<>();
        for (int n = 1; n <= spec.nodes(); n++) {
            token(tokens, nodeName(n));
            nodeTokens.add("--ambit.ca.local.node-token-files." + nodeName(n) + "=" + tokens.resolve(nodeName(n)));
        }
        for (String name : List.of("xds-server", "admin", "viewer")) {
            token(tokens, name);
        }
        Files.createDirectories(runDir.resolve("ca-config"));
        // The lab's objects live in the store's directory, as a cluster's live in etcd: a restarted
        // xds-server rebuilds from them. Changes made later through apply() are in its memory only.
        Files.writeString(Files.createDirectories(runDir.resolve("store")).resolve("lab.yaml"), KubeObjects.yaml(spec));
        List<String> caArgs = new ArrayList<>(List.of(
                "--server.port=" + ports.caHttp(), "--management.server.port=" + ports.caHttp(),
                "--ambit.ca.grpc.port=" + ports.caGrpc(), "--ambit.ca.grpc.address=127.0.0.1",
                "--ambit.ca.state-dir=" + runDir.resolve("ca"), "--ambit.ca.local.config-dir=" + runDir.resolve("ca-config"),
                // the store's pods over mutual TLS: the CA's own certificate is its credential there
                "--ambit.ca.local.store-url=https://127.0.0.1:" + xdsMeshHttp,
                "--ambit.ca.local.service-token-files.xds-server=" + tokens.resolve("xds-server")));
        caArgs.addAll(nodeTokens);
        caArgs.addAll(httpCredentials());
        launchService("ca-service", caArgs);
        // It asks the CA for its certificate with backoff from 1 s: starting it now overlaps its JVM start with the CA's.
        List<String> xdsArgs = new ArrayList<>(List.of(
                "--server.port=" + ports.xdsHttp(), "--management.server.port=" + ports.xdsHttp(),
                "--ambit.xds.grpc.port=" + ports.xdsGrpc(), "--ambit.xds.grpc.address=127.0.0.1",
                "--ambit.xds.local.config-dir=" + runDir.resolve("store"),
                "--ambit.xds.identity.token-file=" + tokens.resolve("xds-server"),
                "--ambit.xds.identity.ca-address=127.0.0.1:" + ports.caGrpc(),
                "--ambit.xds.identity.bundle-url=" + bundleUrl(),
                "--ambit.xds.mesh-http.port=" + xdsMeshHttp, "--ambit.xds.mesh-http.address=127.0.0.1"));
        xdsArgs.addAll(httpCredentials());
        launchService("xds-server", xdsArgs);
    }

    /** The run's admin and viewer tokens, which every service's HTTP side accepts (as files). */
    private List<String> httpCredentials() {
        Path tokens = runDir.resolve("tokens");
        return List.of("--ambit.security.admin.token-file=" + tokens.resolve("admin"),
                "--ambit.security.viewer.token-file=" + tokens.resolve("viewer"));
    }

    /**
     * Where the dashboard reads this lab: the xds-server's HTTP API and each node's ztunnel (admin
     * page and metrics), which take ephemeral ports in tests. Addresses only; its token is a file.
     */
    private List<String> adminUiUpstreams(int port) {
        List<String> args = new ArrayList<>(List.of("--server.port=" + port, "--management.server.port=" + port,
                "--ambit.admin.xds-url=http://127.0.0.1:" + ports.xdsHttp(),
                // waypoints are found in the store; their processes run here, metrics port on loopback
                "--ambit.admin.pod-metrics-host=127.0.0.1"));
        int i = 0;
        for (Map.Entry<Integer, int[]> node : ztunnelPorts.entrySet()) {
            args.add("--ambit.admin.ztunnels[" + i + "].node=" + nodeName(node.getKey()));
            args.add("--ambit.admin.ztunnels[" + i + "].admin-url=http://127.0.0.1:" + node.getValue()[0]);
            args.add("--ambit.admin.ztunnels[" + i + "].metrics-url=http://127.0.0.1:" + node.getValue()[1] + "/actuator/prometheus");
            i++;
        }
        return args;
    }

    /** The file holding the run's admin token (what {@code meshctl} sends). */
    public Path adminTokenFile() {
        return runDir.resolve("tokens").resolve("admin");
    }

    /** Every token file of this run (bootstrap, service and HTTP credentials). */
    public List<Path> tokenFiles() throws IOException {
        try (var files = Files.list(runDir.resolve("tokens"))) {
            return files.sorted().toList();
        }
    }

    /** Every process the lab runs now: services, ztunnels and workloads. */
    public List<MeshProcess> processes() {
        List<MeshProcess> all = new ArrayList<>(services.values());
        ztunnels.values().forEach(z -> all.add(z.process()));
        all.addAll(workloads.values());
        return all;
    }

    /** The CA's trust bundle (PEM) over HTTP. */
    public String bundleUrl() {
        return "http://127.0.0.1:" + ports.caHttp() + "/ca/root-cert.pem";
    }

    private void launchService(String name, List<String> args) throws IOException {
        services.put(name, java(name, Path.of(serviceJar(name)), args, runDir.resolve(name + ".log")).start());
    }

    private void launchCompanion(Companion companion) {
        try {
            List<String> args = new ArrayList<>(httpCredentials());
            if (companion.name().equals("admin-ui")) {
                args.addAll(adminUiUpstreams(companion.ports().getFirst()));
            }
            launchService(companion.name(), args);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void awaitReady(String name, String readyUrl) throws IOException {
        services.get(name).awaitHttp200(readyUrl, START_TIMEOUT);
    }

    private static String serviceJar(String name) {
        return "services/" + name + "/target/" + name + ".jar";
    }

    /** A service JVM, from its start-up cache when there is a current one. */
    private MeshProcess java(String name, Path jar, List<String> args, Path logFile) {
        Path absolute = repo.resolve(jar);
        String cacheName = name.startsWith("ztunnel") ? "ztunnel" : name;
        List<String> launch = cache == null ? List.of("-jar", absolute.toString()) : cache.launch(cacheName, absolute);
        return MeshProcess.java(name, absolute, launch, args, logFile);
    }

    /** How long each process took from its launch to its readiness, in start order, and the whole lab. */
    public Map<String, Duration> startupTimes() {
        Map<String, Duration> times = new LinkedHashMap<>();
        services.values().forEach(p -> p.readyAfter().ifPresent(d -> times.put(p.name(), d)));
        ztunnels.values().forEach(z -> z.process().readyAfter().ifPresent(d -> times.put(z.process().name(), d)));
        workloads.values().forEach(p -> p.readyAfter().ifPresent(d -> times.put(p.name(), d)));
        if (upAfter != null) {
            times.put("lab", upAfter);
        }
        return times;
    }

    /** Every process the lab runs, for {@code ./mesh status}: name, pid, and the URL that says it is healthy (or "-"). */
    public List<String> processTable() {
        List<String> rows = new ArrayList<>();
        services.forEach((name, p) -> rows.add(name + " " + p.pid() + " " + healthUrl(name)));
        ztunnels.values().forEach(z -> rows.add(z.process().name() + " " + z.process().pid() + " " + z.readyUrl()));
        workloads.values().forEach(p -> rows.add(p.name() + " " + p.pid() + " -"));
        waypoints.instances().forEach(w -> rows.add("waypoint-" + w.namespace() + "-" + w.pod() + " " + w.process().pid() + " " + w.readyUrl()));
        return rows;
    }

    private String healthUrl(String service) {
        return switch (service) {
            case "ca-service" -> "http://127.0.0.1:" + ports.caHttp() + "/actuator/health";
            case "xds-server" -> "http://127.0.0.1:" + ports.xdsHttp() + "/actuator/health";
            default -> companions.stream().filter(c -> c.name().equals(service)).findFirst().map(Companion::readyUrl).orElse("-");
        };
    }

    /** The CA's gRPC listener, where a node agent asks for certificates. */
    public java.net.InetSocketAddress caAddress() {
        return new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), ports.caGrpc());
    }

    /** Applies Kubernetes YAML to the control plane's store (what {@code kubectl apply} would do). */
    public void apply(String yaml) throws IOException {
        store("apply", yaml);
    }

    public void delete(String yaml) throws IOException {
        store("delete", yaml);
    }

    private void store(String verb, String yaml) throws IOException {
        try {
            HttpResponse<String> response = MeshProcess.HTTP.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + ports.xdsHttp() + "/store/" + verb))
                    .header("Content-Type", "application/yaml").timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + Files.readString(adminTokenFile()).strip())
                    .POST(HttpRequest.BodyPublishers.ofString(yaml)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new IOException("store " + verb + " refused (" + response.statusCode() + "): " + response.body());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** GET on the xds-server's HTTP API with the admin token (the store, its status). */
    String storeGet(String path) throws IOException {
        try {
            HttpResponse<String> response = MeshProcess.HTTP.send(HttpRequest.newBuilder(URI.create(xdsUrl() + path))
                    .header("Authorization", "Bearer " + Files.readString(adminTokenFile()).strip())
                    .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IOException("GET " + path + " answered " + response.statusCode() + ": " + response.body());
            }
            return response.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** The waypoints the lab deploys for the store's waypoint Gateways (local mode's deployment controller). */
    public WaypointDeployer waypoints() {
        return waypoints;
    }

    /** A waypoint process (on the host; its HBONE sockets in its pod's namespace), logging into the run's folder. */
    MeshProcess launchWaypoint(String namespace, String pod, List<String> args) throws IOException {
        List<String> all = new ArrayList<>(args);
        all.addAll(httpCredentials());
        return java("waypoint", Path.of(serviceJar("waypoint")), all, runDir.resolve("waypoint-" + namespace + "-" + pod + ".log")).start();
    }

    int caGrpcPort() {
        return ports.caGrpc();
    }

    int xdsGrpcPort() {
        return ports.xdsGrpc();
    }

    Path nodeTokenFile(int node) {
        return runDir.resolve("tokens").resolve(nodeName(node));
    }

    Duration certificateValidity() {
        return certificateValidity;
    }

    /** Starts (or starts again, on the same ports) node {@code node}'s ztunnel and waits until it is ready. */
    public Ztunnel startZtunnel(int node) throws IOException {
        launchZtunnel(node);
        return awaitZtunnel(node);
    }

    private void launchZtunnel(int node) throws IOException {
        int[] p = ztunnelPorts.get(node);
        Path tokens = runDir.resolve("tokens");
        List<String> args = new ArrayList<>(List.of("--server.port=" + p[2], "--management.server.port=" + p[1], "--ambit.ztunnel.admin-port=" + p[0],
                        "--ambit.ztunnel.node=" + nodeName(node), "--ambit.ztunnel.token-file=" + tokens.resolve(nodeName(node)),
                        "--ambit.ztunnel.ca-address=127.0.0.1:" + ports.caGrpc(),
                        "--ambit.ztunnel.xds-address=127.0.0.1:" + ports.xdsGrpc(),
                        "--ambit.ztunnel.bundle-url=" + bundleUrl(),
                        "--ambit.ztunnel.proxy.socks=true",
                        "--ambit.ztunnel.proxy.capture=" + (network != null),
                        "--ambit.ztunnel.certificate-validity=" + certificateValidity.toSeconds() + "s"));
        args.addAll(httpCredentials());
        MeshProcess process = java("ztunnel-" + nodeName(node), Path.of("services/ztunnel/target/ztunnel.jar"), args,
                runDir.resolve("ztunnel-" + nodeName(node) + ".log")).start();
        ztunnels.put(node, new Ztunnel(node, process, p[0], p[1], p[2]));
    }

    private Ztunnel awaitZtunnel(int node) throws IOException {
        Ztunnel ztunnel = ztunnels.get(node);
        ztunnel.process().awaitHttp200(ztunnel.readyUrl(), START_TIMEOUT);
        return ztunnel;
    }

    public Ztunnel ztunnel(int node) {
        return ztunnels.get(node);
    }

    public MeshProcess service(String name) {
        return services.get(name);
    }

    /** Starts a stopped control-plane service again (same ports, same state folder). */
    public void restartService(String name) throws IOException {
        MeshProcess process = services.get(name);
        process.stop();
        process.start();
        int port = name.equals("ca-service") ? ports.caHttp() : ports.xdsHttp();
        process.awaitHttp200("http://127.0.0.1:" + port + "/actuator/health/readiness", START_TIMEOUT);
    }

    /** Whether pod {@code pod} is in an ambient namespace (so its ztunnel must capture it first). */
    public boolean enrolled(String pod) {
        return spec.namespace(spec.pod(pod).namespace()).ambient();
    }

    /** Waits until the pod's node's ztunnel reports it captured. */
    public void awaitCaptured(String pod) throws IOException {
        awaitCapture(pod, true);
    }

    public void awaitReleased(String pod) throws IOException {
        awaitCapture(pod, false);
    }

    private void awaitCapture(String pod, boolean captured) throws IOException {
        LabSpec.PodSpec p = spec.pod(pod);
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (isCaptured(p) == captured) {
                return;
            }
            MeshProcess.pause(100);
        }
        throw new IOException("pod " + pod + " not " + (captured ? "captured" : "released") + " by ztunnel on "
                + nodeName(p.node()) + " after " + START_TIMEOUT.toSeconds() + " s; see " + runDir);
    }

    /** Asks the pod's ztunnel (its admin {@code /config_dump}, capture section). */
    public boolean isCaptured(LabSpec.PodSpec pod) {
        try {
            String dump = MeshProcess.get(ztunnels.get(pod.node()).configDumpUrl());
            int capture = dump.indexOf("\"capture\"");
            int waiting = dump.indexOf("\"waiting\"", capture);
            return capture >= 0 && dump.substring(capture, waiting < 0 ? dump.length() : waiting)
                    .contains("/Pod/" + pod.namespace() + "/" + pod.name() + "\"");
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Starts the echo workload in the pod, after its ztunnel has captured it when its namespace
     * is in the mesh (as the CNI holds a pod's start until ztunnel has it), and waits for its listeners.
     */
    public MeshProcess startWorkload(String pod) throws IOException {
        if (enrolled(pod)) {
            awaitCaptured(pod);
        }
        List<String> command = new ArrayList<>(inPod(pod));
        command.addAll(MeshProcess.javaCommand());
        command.addAll(List.of("-jar", repo.resolve("workloads/echo/target/echo.jar").toString(), "server", "--pod", pod));
        if (network == null) {
            command.addAll(List.of("--bind", spec.pod(pod).ip().getHostAddress()));
        }
        command.addAll(workloadArgs);
        MeshProcess process = new MeshProcess("echo-" + pod, command, runDir.resolve("pod-" + pod + ".log")).start();
        workloads.put(pod, process);
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (countListening(process) < 4) {
            if (!process.alive() || System.nanoTime() > deadline) {
                throw new IOException("echo in pod " + pod + " did not start; log:\n" + process.tail(30));
            }
            MeshProcess.pause(50);
        }
        process.markReady();
        return process;
    }

    /** Starts every pod's workload at once, each as soon as its pod is captured; fails with the first failure. */
    private void startWorkloads(List<String> pods) throws IOException {
        List<Thread> threads = new ArrayList<>();
        List<IOException> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (String pod : pods) {
            threads.add(Thread.ofVirtual().name("start-" + pod).start(() -> {
                try {
                    startWorkload(pod);
                } catch (IOException e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread thread : threads) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while starting the pods' workloads", e);
            }
        }
        if (!failures.isEmpty()) {
            IOException first = failures.getFirst();
            failures.subList(1, failures.size()).forEach(first::addSuppressed);
            throw first;
        }
    }

    private static long countListening(MeshProcess process) throws IOException {
        return Files.readAllLines(process.logFile()).stream().filter(l -> l.startsWith("listening ")).count();
    }

    public MeshProcess workload(String pod) {
        return workloads.get(pod);
    }

    /** Runs a command inside a pod (e.g. the echo client); returns its output, failing on a non-zero exit. */
    public String exec(String pod, String... command) throws IOException {
        List<String> argv = new ArrayList<>(inPod(pod));
        argv.addAll(List.of(command));
        return Shell.run(argv);
    }

    /** The echo client in {@code pod}: {@code client <target> <args...>}. */
    public String echoClient(String pod, String target, String... args) throws IOException {
        return Shell.run(echoClientCommand(pod, target, args), false, clientBudget(args));
    }

    /** 30 s, and 100 ms more per request of {@code --count}: a JVM's start and a thousand requests fit. */
    private static Duration clientBudget(String... args) {
        List<String> list = List.of(args);
        int i = list.indexOf("--count");
        int count = i >= 0 && i + 1 < list.size() ? Integer.parseInt(list.get(i + 1)) : 1;
        return Duration.ofSeconds(30).plusMillis(100L * count);
    }

    /** The echo client, its output returned even when some requests failed (each failure ends with an {@code ERROR} line). */
    public String echoClientAllowingFailures(String pod, String target, String... args) throws IOException {
        return Shell.run(echoClientCommand(pod, target, args), true, clientBudget(args));
    }

    private List<String> echoClientCommand(String pod, String target, String... args) {
        List<String> argv = new ArrayList<>(inPod(pod));
        argv.addAll(MeshProcess.javaCommand());
        argv.addAll(List.of("-jar", repo.resolve("workloads/echo/target/echo.jar").toString(), "client", target));
        argv.addAll(List.of(args));
        if (network == null) {
            argv.addAll(List.of("--socks", socksOf(pod)));
        }
        return argv;
    }

    /** On the host, where a pod's application reaches its ztunnel: SOCKS5 at the pod's address. */
    public String socksOf(String pod) {
        return spec.pod(pod).ip().getHostAddress() + ":15080";
    }

    /** Whether pods are network namespaces (captured) or live on the host (SOCKS5). */
    public boolean onHost() {
        return network == null;
    }

    /** The command prefix that runs something inside the pod: {@code ip netns exec}, or nothing on the host. */
    private List<String> inPod(String pod) {
        return network == null ? List.of() : List.of("ip", "netns", "exec", network.podNamespace(pod));
    }

    public LabSpec spec() {
        return spec;
    }

    public Topology network() {
        return network;
    }

    public Path runDir() {
        return runDir;
    }

    public String xdsUrl() {
        return "http://127.0.0.1:" + ports.xdsHttp();
    }

    /** A random token in a file created owner-only (never readable by others, not even for a moment). */
    private static void token(Path dir, String name) throws IOException {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        Path file = Files.createFile(dir.resolve(name), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, HexFormat.of().formatHex(random));
    }

    /** Stops workloads, ztunnels and the control plane, then removes the network. */
    @Override
    public void close() {
        waypoints.close();
        workloads.values().forEach(MeshProcess::stop);
        ztunnels.values().forEach(z -> z.process().stop());
        new ArrayList<>(services.values()).reversed().forEach(MeshProcess::stop);
        if (network != null) {
            network.close();
        }
        log.info("lab down; logs kept in {}", runDir);
    }
}
