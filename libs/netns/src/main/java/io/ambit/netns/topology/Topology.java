package io.ambit.netns.topology;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ambit.netns.CommandException;
import io.ambit.netns.Commands;

/**
 * Pods and nodes as network namespaces, all named with one prefix:
 * <pre>
 *   pod ns ─eth0──veth──┐                                   ┌──veth──eth0─ pod ns
 *   pod ns ─eth0──veth──┤ br0 (node-1 ns) ─uplink══n1─ router ─n2══uplink─ br0 (node-2 ns) ├──veth── …
 *                       10.244.1.1/24     10.255.1.0/30  10.255.2.0/30     10.244.2.1/24
 * </pre>
 * A node is a namespace holding a bridge (its pods' gateway, {@code <podNetwork>.<n>.1}) and an
 * uplink to the router; the router routes each node's pod subnet to its uplink. Every link is
 * created directly inside the topology's namespaces, so deleting them removes everything and
 * nothing is added to the host's namespace; no route leads out (the router has no default route),
 * so traffic never leaves the namespaces the topology made. Service VIPs have no route: they answer
 * only through a mesh. The link a capture watches to see traffic between nodes is the router's side
 * of a node's uplink, {@link #interNodeLink}.
 *
 * <p>Builders pick a distinct prefix (and, when two may live at once, a distinct
 * {@code podNetwork}), since ztunnel finds a pod's namespace by its address among all named ones.
 */
public final class Topology implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Topology.class);

    private final String prefix;
    private final String podNetwork;
    private final int nodes;
    private final Map<String, String> podNamespaces = new LinkedHashMap<>();
    private final List<String> created = new ArrayList<>();

    private Topology(String prefix, String podNetwork, int nodes) {
        if (!prefix.matches("[a-z0-9-]{1,11}-")) {
            throw new IllegalArgumentException("prefix must be 2–12 of [a-z0-9-] ending in '-': '" + prefix + "'");
        }
        if (!podNetwork.matches("(25[0-5]|2[0-4]\\d|1?\\d?\\d)\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)")) {
            throw new IllegalArgumentException("podNetwork must be two octets such as 10.244, not '" + podNetwork + "'");
        }
        if (nodes < 1 || nodes > 250) {
            throw new IllegalArgumentException("nodes must be 1–250, not " + nodes);
        }
        this.prefix = prefix;
        this.podNetwork = podNetwork;
        this.nodes = nodes;
    }

    /**
     * Removes what an earlier run with the same prefix left (a crashed one's namespaces and the
     * processes still inside them), then builds the router and {@code nodes} nodes.
     *
     * @param prefix     starts every namespace name; at most 12 characters, ending in {@code -}
     * @param podNetwork the first two octets of the pod subnets: node n's pods are {@code <podNetwork>.<n>.0/24}
     */
    public static Topology create(String prefix, String podNetwork, int nodes) throws CommandException {
        Topology topology = new Topology(prefix, podNetwork, nodes);
        removeStale(prefix);
        try {
            topology.build();
        } catch (CommandException | RuntimeException e) {
            topology.close();
            throw e;
        }
        return topology;
    }

    public String prefix() {
        return prefix;
    }

    public int nodes() {
        return nodes;
    }

    public String router() {
        return prefix + "router";
    }

    public String nodeNamespace(int node) {
        checkNode(node);
        return prefix + "node" + node;
    }

    /** The router's end of node {@code node}'s uplink: every packet between that node and another crosses it. */
    public String interNodeLink(int node) {
        checkNode(node);
        return "n" + node;
    }

    /** Node {@code node}'s bridge address: its pods' default gateway. */
    public InetAddress gateway(int node) {
        checkNode(node);
        return InetAddress.ofLiteral(podNetwork + "." + node + ".1");
    }

    /** The address of host {@code host} (2–254) in node {@code node}'s pod subnet. */
    public InetAddress podAddress(int node, int host) {
        checkNode(node);
        if (host < 2 || host > 254) {
            throw new IllegalArgumentException("host must be 2–254 (.1 is the gateway), not " + host);
        }
        return InetAddress.ofLiteral(podNetwork + "." + node + "." + host);
    }

    /**
     * A handle on a topology that {@link #create} built in another process with the same
     * arguments (the bench script's: one command builds, later ones add pods); closing it
     * deletes only the pods it added.
     */
    public static Topology attach(String prefix, String podNetwork, int nodes) throws CommandException {
        Topology topology = new Topology(prefix, podNetwork, nodes);
        if (!existing(prefix).contains(topology.router())) {
            throw new IllegalStateException("no topology " + prefix + " here: its router " + topology.router() + " does not exist");
        }
        return topology;
    }

    private void build() throws CommandException {
        addNamespace(router());
        ip("-n", router(), "link", "set", "lo", "up");
        sysctl(router(), "net.ipv4.ip_forward=1");
        for (int n = 1; n <= nodes; n++) {
            String node = nodeNamespace(n);
            addNamespace(node);
            ip("-n", node, "link", "set", "lo", "up");
            sysctl(node, "net.ipv4.ip_forward=1");
            ip("-n", node, "link", "add", "br0", "type", "bridge");
            ip("-n", node, "addr", "add", gateway(n).getHostAddress() + "/24", "dev", "br0");
            ip("-n", node, "link", "set", "br0", "up");
            ip("link", "add", "uplink", "netns", node, "type", "veth", "peer", "name", interNodeLink(n), "netns", router());
            ip("-n", node, "addr", "add", "10.255." + n + ".2/30", "dev", "uplink");
            ip("-n", router(), "addr", "add", "10.255." + n + ".1/30", "dev", interNodeLink(n));
            ip("-n", node, "link", "set", "uplink", "up");
            ip("-n", router(), "link", "set", interNodeLink(n), "up");
            ip("-n", node, "route", "add", "default", "via", "10.255." + n + ".1");
            ip("-n", router(), "route", "add", podNetwork + "." + n + ".0/24", "via", "10.255." + n + ".2");
        }
        log.info("topology {}: {} nodes, router {}", prefix, nodes, router());
    }

    /**
     * A pod: namespace {@code <prefix><name>} with {@code eth0}, a veth into its node's bridge, and
     * a default route through the node. The IPv4 address must be in the node's subnet; an IPv6 one
     * (optional, {@code /64}, no duplicate detection so it is usable at once) reaches the pods of the
     * same node only, on the bridge.
     *
     * @return the pod's namespace name
     */
    public synchronized String addPod(String name, int node, InetAddress ip, InetAddress... ipv6) throws CommandException {
        checkNode(node);
        if (!name.matches("[a-z0-9][a-z0-9.-]*") || (prefix + name).length() > 64) {
            throw new IllegalArgumentException("not a pod name for a namespace: '" + name + "'");
        }
        if (podNamespaces.containsKey(name)) {
            throw new IllegalArgumentException("pod " + name + " already has a namespace");
        }
        String subnet = podNetwork + "." + node + ".";
        if (ip instanceof Inet6Address || !ip.getHostAddress().startsWith(subnet)) {
            throw new IllegalArgumentException("pod " + name + ": " + ip.getHostAddress() + " is not in node " + node + "'s subnet " + subnet + "0/24");
        }
        String ns = prefix + name;
        // Named by the address's last octet, unique on the node's bridge: so a process that
        // attached to this topology (TopologyMain) picks the same names, never a clash.
        byte[] octets = ip.getAddress();
        String nodeEnd = "p" + (octets[3] & 0xff);
        addNamespace(ns);
        podNamespaces.put(name, ns);
        ip("-n", ns, "link", "set", "lo", "up");
        ip("link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", nodeEnd, "netns", nodeNamespace(node));
        ip("-n", ns, "addr", "add", ip.getHostAddress() + "/24", "dev", "eth0");
        for (InetAddress v6 : ipv6) {
            if (!(v6 instanceof Inet6Address)) {
                throw new IllegalArgumentException("pod " + name + ": " + v6.getHostAddress() + " is not IPv6");
            }
            ip("-n", ns, "addr", "add", v6.getHostAddress() + "/64", "dev", "eth0", "nodad");
        }
        ip("-n", ns, "link", "set", "eth0", "up");
        ip("-n", nodeNamespace(node), "link", "set", nodeEnd, "master", "br0");
        ip("-n", nodeNamespace(node), "link", "set", nodeEnd, "up");
        ip("-n", ns, "route", "add", "default", "via", gateway(node).getHostAddress());
        return ns;
    }

    /** The namespace name of a pod added here. */
    public synchronized String podNamespace(String pod) {
        String ns = podNamespaces.get(pod);
        if (ns == null) {
            throw new IllegalArgumentException("no pod " + pod + " in topology " + prefix);
        }
        return ns;
    }

    /** Removes a pod's namespace (its veth goes with it), killing what still runs there. */
    public synchronized void removePod(String name) {
        String ns = podNamespaces.remove(name);
        if (ns != null) {
            delete(ns); // stays in created: close() tries again if this failed
        }
    }

    /** {@code ip netns exec <namespace> <command…>}: its output, or a {@link CommandException} with it. */
    public static String exec(String namespace, String... command) throws CommandException {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        argv.addAll(List.of(command));
        return Commands.run(argv, null);
    }

    /** The namespaces with this prefix that exist now (this run's or a crashed one's). */
    public static List<String> existing(String prefix) throws CommandException {
        List<String> found = new ArrayList<>();
        for (String line : Commands.run(List.of("ip", "netns", "list"), null).split("\n")) {
            String name = line.strip().split(" ")[0];
            if (!name.isEmpty() && name.startsWith(prefix)) {
                found.add(name);
            }
        }
        return found;
    }

    /** Kills what still runs inside the namespaces with this prefix, then deletes them. */
    public static void removeStale(String prefix) throws CommandException {
        for (String name : existing(prefix)) {
            delete(name);
        }
    }

    private void addNamespace(String namespace) throws CommandException {
        ip("netns", "add", namespace);
        created.add(namespace);
    }

    private void checkNode(int node) {
        if (node < 1 || node > nodes) {
            throw new IllegalArgumentException("no node " + node + " in topology " + prefix + " (nodes 1–" + nodes + ")");
        }
    }

    private static void sysctl(String namespace, String setting) throws CommandException {
        exec(namespace, "sysctl", "-q", "-w", setting);
    }

    private static String ip(String... args) throws CommandException {
        List<String> argv = new ArrayList<>(List.of("ip"));
        argv.addAll(List.of(args));
        return Commands.run(argv, null);
    }

    private static void delete(String namespace) {
        try {
            // A process left inside would keep the namespace (and its addresses) alive after del.
            for (String pid : Commands.run(List.of("ip", "netns", "pids", namespace), null).split("\\s+")) {
                if (!pid.isBlank()) {
                    ProcessHandle.of(Long.parseLong(pid.strip())).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
            Commands.run(List.of("ip", "netns", "del", namespace), null);
        } catch (CommandException e) {
            log.debug("deleting {}: {}", namespace, e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        for (String name : created.reversed()) {
            delete(name);
        }
        created.clear();
        podNamespaces.clear();
    }
}
