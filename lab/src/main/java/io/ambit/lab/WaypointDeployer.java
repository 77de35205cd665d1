package io.ambit.lab;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local mode's waypoint deployment controller: what istiod's deployment controller does in
 * Kubernetes (a Deployment and a Service per Gateway of class {@code istio-waypoint}), done by
 * the lab from the control plane's store API. For every waypoint Gateway the xds-server accepts
 * ({@code /store/status?kind=Gateway}, {@code Accepted=True}) it
 * <ol>
 * <li>registers a Pod {@code <gateway>-0} on a node, service account {@code <gateway>}
 *     (Istio's waypoint runs as a service account named after its Gateway), label
 *     {@code istio.io/dataplane-mode: none} (as Istio's waypoint template: ztunnel never captures
 *     a waypoint, whose own 15008 is the HBONE listener), not yet Ready;</li>
 * <li>gives it a pod network namespace on that node (on the host: a loopback address) and starts
 *     the waypoint process, whose HBONE listener and upstream connections live inside that
 *     namespace and whose certificate the CA grants by its node rule;</li>
 * <li>once the waypoint reports ready (certificate + the first answer of every xDS type), marks
 *     the Pod Ready and applies the Service {@code <gateway>} (cluster IP, port 15008 "mesh")
 *     selecting it. Only then does the Gateway get an address, so its {@code Programmed}
 *     condition turns True only once a waypoint instance is ready to serve.</li>
 * </ol>
 * A Gateway deleted (or no longer accepted) → its process stopped, Service and Pod deleted, its
 * namespace removed. A waypoint process that dies stays down (no restart policy), so the mesh's
 * fail-closed behaviour can be watched; {@link #restart} starts it again.
 */
public final class WaypointDeployer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WaypointDeployer.class);

    /** One deployed waypoint. */
    public record Instance(String namespace, String gateway, String pod, int node, InetAddress ip, InetAddress vip,
                           MeshProcess process, int metricsPort, int readinessPort) {
        public String key() {
            return namespace + "/" + gateway;
        }

        public String metricsUrl() {
            return "http://127.0.0.1:" + metricsPort + "/actuator/prometheus";
        }

        public String readyUrl() {
            return "http://127.0.0.1:" + metricsPort + "/actuator/health/readiness";
        }
    }

    private final Lab lab;
    private final Map<String, Instance> instances = new ConcurrentHashMap<>();
    private final Set<String> failed = ConcurrentHashMap.newKeySet();
    private final List<Runnable> changeListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private int deployed;
    private volatile boolean closed;
    private Thread watcher;

    WaypointDeployer(Lab lab) {
        this.lab = lab;
    }

    /**
     * Runs {@code listener} whenever the set of waypoint processes changes (one started and ready,
     * one removed, one restarted with a new pid): {@code ./mesh status}'s table follows it.
     */
    public void onChange(Runnable listener) {
        changeListeners.add(listener);
    }

    private void changed() {
        if (closed) {
            return; // the lab is going down: ./mesh removes the table itself
        }
        for (Runnable listener : changeListeners) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                log.warn("waypoint deployer: a change listener failed: {}", e.getMessage());
            }
        }
    }

    void start() {
        watcher = Thread.ofVirtual().name("waypoint-deployer").start(this::watch);
    }

    private void watch() {
        String lastProblem = null;
        while (!closed) {
            try {
                reconcile();
                lastProblem = null;
            } catch (IOException | RuntimeException e) {
                // once per outage: the xds-server restarting is a scenario, not 2 lines a second
                if (!closed && !String.valueOf(e.getMessage()).equals(lastProblem)) {
                    log.warn("waypoint deployer: {}", e.toString()); // the type too: some failures carry no message
                }
                lastProblem = String.valueOf(e.getMessage());
            }
            MeshProcess.pause(500);
        }
    }

    /** One pass: deploy what the store has and is not running, remove what runs and the store no longer has. */
    synchronized void reconcile() throws IOException {
        Set<String> wanted = wantedGateways();
        for (String key : wanted) {
            if (!instances.containsKey(key) && !failed.contains(key) && !closed) {
                deploy(key);
            }
        }
        for (String key : new ArrayList<>(instances.keySet())) {
            if (!wanted.contains(key)) {
                undeploy(instances.get(key), true);
                instances.remove(key); // only now: awaitRemoved() means the process, objects and namespace are gone
                changed();
            }
        }
        failed.retainAll(wanted);
    }

    /** Waypoint Gateways the control plane accepted, {@code namespace/name}. */
    private Set<String> wantedGateways() throws IOException {
        Set<String> wanted = new LinkedHashSet<>();
        Object parsed = new org.yaml.snakeyaml.Yaml().load(lab.storeGet("/store/status?kind=Gateway"));
        if (!(parsed instanceof List<?> statuses)) {
            throw new IOException("store status: not a list");
        }
        for (Object o : statuses) {
            if (o instanceof Map<?, ?> status && "Gateway".equals(status.get("kind")) && status.get("conditions") instanceof List<?> conditions
                    && conditions.stream().anyMatch(c -> c instanceof Map<?, ?> m && "Accepted".equals(m.get("type")) && "True".equals(m.get("status")))) {
                wanted.add(status.get("namespace") + "/" + status.get("name"));
            }
        }
        return wanted;
    }

    private void deploy(String key) throws IOException {
        String namespace = key.substring(0, key.indexOf('/'));
        String gateway = key.substring(key.indexOf('/') + 1);
        int index = deployed++;
        int node = index % lab.spec().nodes() + 1;
        InetAddress ip = InetAddress.ofLiteral((lab.onHost() ? "127" : "10") + ".244." + node + "." + (200 + index));
        InetAddress vip = InetAddress.ofLiteral("10.96.200." + (10 + index));
        String pod = gateway + "-0";
        log.info("waypoint {}: deploying pod {} ({}) on {}", key, pod, ip.getHostAddress(), Lab.nodeName(node));
        int metrics = LabPorts.free();
        int readiness = LabPorts.free();
        lab.apply(podYaml(namespace, gateway, pod, node, ip, metrics, false));
        // keyed by namespace too: two namespaces may each have a Gateway of the same name
        String netns = lab.onHost() ? null : lab.network().addPod(namespace + "-" + pod, node, ip);
        MeshProcess process = lab.launchWaypoint(namespace, pod, waypointArgs(namespace, gateway, pod, node, ip, netns, metrics, readiness));
        Instance instance = new Instance(namespace, gateway, pod, node, ip, vip, process, metrics, readiness);
        instances.put(key, instance);
        try {
            process.awaitHttp200(instance.readyUrl(), Lab.START_TIMEOUT);
        } catch (IOException e) {
            log.error("waypoint {} did not become ready; its Gateway stays unprogrammed: {}", key, e.getMessage());
            instances.remove(key);
            failed.add(key);
            undeploy(instance, true);
            return;
        }
        lab.apply(podYaml(namespace, gateway, pod, node, ip, metrics, true) + serviceYaml(namespace, gateway, vip));
        log.info("waypoint {} ready at {}:15008 (Service {} {})", key, ip.getHostAddress(), gateway, vip.getHostAddress());
        changed();
    }

    private List<String> waypointArgs(String namespace, String gateway, String pod, int node, InetAddress ip, String netns,
            int metrics, int readiness) {
        List<String> args = new ArrayList<>(List.of(
                "--server.port=" + readiness, "--management.server.port=" + metrics,
                "--ambit.waypoint.enabled=true",
                "--ambit.waypoint.namespace=" + namespace,
                "--ambit.waypoint.service-account=" + gateway,
                "--ambit.waypoint.pod-name=" + pod,
                "--ambit.waypoint.pod-ip=" + ip.getHostAddress(),
                "--ambit.waypoint.hbone-address=" + ip.getHostAddress() + ":15008",
                "--ambit.waypoint.ca-address=127.0.0.1:" + lab.caGrpcPort(),
                "--ambit.waypoint.xds-address=127.0.0.1:" + lab.xdsGrpcPort(),
                "--ambit.waypoint.bundle-url=" + lab.bundleUrl(),
                // the node's bootstrap credential: the CA grants the waypoint's identity by its node rule
                "--ambit.waypoint.token-file=" + lab.nodeTokenFile(node),
                "--ambit.waypoint.node-credential=true",
                "--ambit.waypoint.certificate-validity=" + lab.certificateValidity().toSeconds() + "s"));
        if (netns != null) {
            args.add("--ambit.waypoint.pod-netns=" + netns);
        }
        return args;
    }

    private void undeploy(Instance instance, boolean removeObjects) {
        if (instance == null) {
            return;
        }
        log.info("waypoint {}: removing", instance.key());
        instance.process().stop();
        if (removeObjects) {
            try {
                lab.delete(serviceYaml(instance.namespace(), instance.gateway(), instance.vip())
                        + podYaml(instance.namespace(), instance.gateway(), instance.pod(), instance.node(), instance.ip(),
                                instance.metricsPort(), false));
            } catch (IOException e) {
                log.warn("waypoint {}: could not delete its Pod and Service: {}", instance.key(), e.getMessage());
            }
        }
        if (!lab.onHost()) {
            lab.network().removePod(instance.namespace() + "-" + instance.pod());
        }
    }

    /** The running waypoint of Gateway {@code namespace/name}, once it is ready. */
    public Optional<Instance> instance(String namespace, String gateway) {
        return Optional.ofNullable(instances.get(namespace + "/" + gateway)).filter(i -> i.process().readyAfter().isPresent());
    }

    /** Waits until Gateway {@code namespace/name}'s waypoint is ready (its Service applied). */
    public Instance await(String namespace, String gateway) throws IOException {
        long deadline = System.nanoTime() + Lab.START_TIMEOUT.toNanos() * 2;
        while (System.nanoTime() < deadline) {
            Optional<Instance> ready = instance(namespace, gateway);
            if (ready.isPresent() && MeshProcess.status(ready.get().readyUrl()) == 200) {
                synchronized (this) { // the Service is applied in the same pass that saw it ready
                    return ready.get();
                }
            }
            if (failed.contains(namespace + "/" + gateway)) {
                throw new IOException("waypoint " + namespace + "/" + gateway + " failed to start; see " + lab.runDir());
            }
            MeshProcess.pause(200);
        }
        throw new IOException("no ready waypoint for Gateway " + namespace + "/" + gateway + "; see " + lab.runDir());
    }

    /** Waits until Gateway {@code namespace/name}'s waypoint is gone (after the Gateway was deleted). */
    public void awaitRemoved(String namespace, String gateway) throws IOException {
        long deadline = System.nanoTime() + Lab.START_TIMEOUT.toNanos();
        while (instances.containsKey(namespace + "/" + gateway)) {
            if (System.nanoTime() > deadline) {
                throw new IOException("waypoint " + namespace + "/" + gateway + " still deployed");
            }
            MeshProcess.pause(200);
        }
    }

    /** Starts a stopped (or killed) waypoint process again, same pod and ports, and waits until it is ready. */
    public void restart(String namespace, String gateway) throws IOException {
        Instance instance = instances.get(namespace + "/" + gateway);
        if (instance == null) {
            throw new IllegalArgumentException("no waypoint for Gateway " + namespace + "/" + gateway);
        }
        instance.process().stop();
        instance.process().start();
        instance.process().awaitHttp200(instance.readyUrl(), Lab.START_TIMEOUT);
        changed();
    }

    public List<Instance> instances() {
        return List.copyOf(instances.values());
    }

    /**
     * The waypoint's Pod as istiod's waypoint template labels and annotates it: the Gateway's name
     * label, and Prometheus's scrape annotations (admin-ui finds waypoints to scrape by them). The
     * port is the process's metrics port on this machine's loopback, where the lab runs it, not 15020.
     */
    static String podYaml(String namespace, String gateway, String pod, int node, InetAddress ip, int metricsPort, boolean ready) {
        return "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: " + pod + "\n  namespace: " + namespace + "\n"
                + "  annotations:\n    \"prometheus.io/scrape\": \"true\"\n    \"prometheus.io/port\": \"" + metricsPort + "\"\n"
                + "    \"prometheus.io/path\": \"/stats/prometheus\"\n"
                + "  labels:\n    \"gateway.networking.k8s.io/gateway-name\": \"" + gateway + "\"\n    \"istio.io/dataplane-mode\": \"none\"\n"
                + "spec:\n  nodeName: " + Lab.nodeName(node) + "\n  serviceAccountName: " + gateway + "\n"
                + "  containers:\n    - name: istio-proxy\n      image: ambit/waypoint\n"
                + "status:\n  podIP: " + ip.getHostAddress() + "\n  conditions: [{type: Ready, status: \"" + (ready ? "True" : "False") + "\"}]\n";
    }

    static String serviceYaml(String namespace, String gateway, InetAddress vip) {
        return "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: " + gateway + "\n  namespace: " + namespace + "\n"
                + "  labels:\n    \"gateway.istio.io/managed\": \"istio.io-mesh-controller\"\n"
                + "    \"gateway.networking.k8s.io/gateway-name\": \"" + gateway + "\"\n"
                + "spec:\n  clusterIP: " + vip.getHostAddress() + "\n"
                + "  ports:\n    - {name: mesh, port: 15008, targetPort: 15008}\n"
                + "  selector:\n    \"gateway.networking.k8s.io/gateway-name\": \"" + gateway + "\"\n";
    }

    /** Stops every waypoint (the lab is going down: the store goes with it, so its objects stay). */
    @Override
    public void close() {
        closed = true;
        // Not interrupted: a pass under way finishes (an interrupt would cut its store call and
        // namespace removal short); the lock waits for it, and the loop then sees closed.
        synchronized (this) {
            instances.values().forEach(i -> undeploy(i, false));
            instances.clear();
        }
    }
}
