package io.ambit.lab;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lab's wiring, all in network namespaces it makes (names start with {@link #PREFIX}):
 * <pre>
 *   pod ns ─eth0──veth──┐                                   ┌──veth──eth0─ pod ns
 *   pod ns ─eth0──veth──┤ br0 (node-1 ns) ─uplink══n1─ router ─n2══uplink─ br0 (node-2 ns) ├──veth── …
 *                       10.244.1.1/24     10.255.1.0/30  10.255.2.0/30     10.244.2.1/24
 * </pre>
 * A node is a namespace holding a bridge (its pods' gateway, {@code 10.244.<n>.1}) and an uplink
 * to the router; the router routes each node's pod subnet to its uplink. Every link lives entirely
 * inside lab namespaces, so deleting them removes everything; nothing is added to the host's
 * namespace, and no route leads out of the lab (the router has no default route): the lab sends
 * no packet anywhere else. Service VIPs ({@code 10.96.0.0/16}) have no route: they answer only
 * through the mesh. The inter-node link a capture watches is the router's side of a node's
 * uplink, {@code n<node>} in the router namespace.
 */
public final class LabNetwork implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LabNetwork.class);

    public static final String PREFIX = "ambt-lab-";
    public static final String ROUTER = PREFIX + "router";

    private final LabSpec spec;
    private final Map<String, String> podNamespaces = new LinkedHashMap<>();
    private final List<String> created = new ArrayList<>();
    private int vethIndex;

    private LabNetwork(LabSpec spec) {
        this.spec = spec;
    }

    /** Removes what an earlier lab left (by prefix), then builds this one. */
    public static LabNetwork create(LabSpec spec) throws IOException {
        removeStale();
        LabNetwork network = new LabNetwork(spec);
        try {
            network.build();
        } catch (IOException | RuntimeException e) {
            network.close();
            throw e;
        }
        return network;
    }

    public static String nodeNamespace(int node) {
        return PREFIX + "node" + node;
    }

    /** The router's end of node {@code node}'s uplink: the inter-node link. */
    public static String interNodeLink(int node) {
        return "n" + node;
    }

    public synchronized String podNamespace(String pod) {
        String ns = podNamespaces.get(pod);
        if (ns == null) {
            throw new IllegalArgumentException("no pod " + pod + " in this lab");
        }
        return ns;
    }

    private void build() throws IOException {
        add(ROUTER);
        Shell.run("ip", "-n", ROUTER, "link", "set", "lo", "up");
        sysctl(ROUTER, "net.ipv4.ip_forward=1");
        for (int n = 1; n <= spec.nodes(); n++) {
            String node = nodeNamespace(n);
            add(node);
            Shell.run("ip", "-n", node, "link", "set", "lo", "up");
            sysctl(node, "net.ipv4.ip_forward=1");
            Shell.run("ip", "-n", node, "link", "add", "br0", "type", "bridge");
            Shell.run("ip", "-n", node, "addr", "add", "10.244." + n + ".1/24", "dev", "br0");
            Shell.run("ip", "-n", node, "link", "set", "br0", "up");
            Shell.run("ip", "link", "add", "uplink", "netns", node, "type", "veth", "peer", "name", interNodeLink(n), "netns", ROUTER);
            Shell.run("ip", "-n", node, "addr", "add", "10.255." + n + ".2/30", "dev", "uplink");
            Shell.run("ip", "-n", ROUTER, "addr", "add", "10.255." + n + ".1/30", "dev", interNodeLink(n));
            Shell.run("ip", "-n", node, "link", "set", "uplink", "up");
            Shell.run("ip", "-n", ROUTER, "link", "set", interNodeLink(n), "up");
            Shell.run("ip", "-n", node, "route", "add", "default", "via", "10.255." + n + ".1");
            Shell.run("ip", "-n", ROUTER, "route", "add", "10.244." + n + ".0/24", "via", "10.255." + n + ".2");
        }
        for (LabSpec.PodSpec pod : spec.pods()) {
            addPod(pod.name(), pod.node(), pod.ip());
        }
        log.info("lab network: {} nodes, {} pods, router {}", spec.nodes(), spec.pods().size(), ROUTER);
    }

    /**
     * A pod's namespace with its veth into its node's bridge and a default route through it: at
     * start for the spec's pods, later for pods the lab adds (a waypoint's).
     */
    public synchronized String addPod(String name, int node, java.net.InetAddress ip) throws IOException {
        if (podNamespaces.containsKey(name)) {
            throw new IllegalArgumentException("pod " + name + " already has a namespace");
        }
        String ns = PREFIX + name;
        String nodeEnd = "p" + vethIndex++;
        add(ns);
        podNamespaces.put(name, ns);
        Shell.run("ip", "-n", ns, "link", "set", "lo", "up");
        Shell.run("ip", "link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", nodeEnd, "netns", nodeNamespace(node));
        Shell.run("ip", "-n", ns, "addr", "add", ip.getHostAddress() + "/24", "dev", "eth0");
        Shell.run("ip", "-n", ns, "link", "set", "eth0", "up");
        Shell.run("ip", "-n", nodeNamespace(node), "link", "set", nodeEnd, "master", "br0");
        Shell.run("ip", "-n", nodeNamespace(node), "link", "set", nodeEnd, "up");
        Shell.run("ip", "-n", ns, "route", "add", "default", "via", "10.244." + node + ".1");
        return ns;
    }

    /** Removes a pod's namespace (its veth goes with it), killing what still runs there. */
    public synchronized void removePod(String name) {
        String ns = podNamespaces.remove(name);
        if (ns != null) {
            delete(ns); // stays in created: close() tries again if this failed
        }
    }

    private void add(String namespace) throws IOException {
        Shell.run("ip", "netns", "add", namespace);
        created.add(namespace);
    }

    private static void sysctl(String namespace, String setting) throws IOException {
        Shell.inNamespace(namespace, "sysctl", "-q", "-w", setting);
    }

    /** The lab namespaces that exist now (this run's or a crashed one's). */
    public static List<String> existing() throws IOException {
        List<String> found = new ArrayList<>();
        for (String line : Shell.run("ip", "netns", "list").split("\n")) {
            String name = line.strip().split(" ")[0];
            if (name.startsWith(PREFIX)) {
                found.add(name);
            }
        }
        return found;
    }

    /** Kills what still runs inside the lab's namespaces, then deletes them. */
    public static void removeStale() throws IOException {
        for (String name : existing()) {
            delete(name);
        }
    }

    private static void delete(String namespace) {
        try {
            for (String pid : Shell.run("ip", "netns", "pids", namespace).split("\\s+")) {
                if (!pid.isBlank()) {
                    ProcessHandle.of(Long.parseLong(pid.strip())).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
            Shell.run("ip", "netns", "del", namespace);
        } catch (IOException e) {
            log.debug("deleting {}: {}", namespace, e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        for (String name : created.reversed()) {
            delete(name);
        }
        created.clear();
    }
}
