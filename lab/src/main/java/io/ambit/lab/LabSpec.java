package io.ambit.lab;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * What a lab is made of: nodes, namespaces (with labels: {@code istio.io/dataplane-mode=ambient}
 * enrols one), pods (namespace, service account, labels, node) and Services (VIP, ports,
 * selector). Pod addresses are assigned here, {@code 10.244.<node>.<10 + index on the node>}, so a
 * spec always describes the same lab.
 *
 * <p>The YAML form ({@link #parse}) is what {@code lab.jar up <file>} reads:
 * <pre>
 * nodes: 2
 * namespaces:
 *   - {name: demo, labels: {istio.io/dataplane-mode: ambient}}
 * pods:
 *   - {name: frontend, namespace: demo, serviceAccount: frontend, node: 1, labels: {app: frontend}}
 * services:
 *   - {name: backend, namespace: demo, vip: 10.96.0.20, selector: {app: backend},
 *      ports: [{name: http, port: 80, targetPort: 8080}]}
 * </pre>
 */
public record LabSpec(int nodes, List<NamespaceSpec> namespaces, List<PodSpec> pods, List<ServiceSpec> services) {

    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?");
    public static final int MAX_NODES = 9;
    public static final int MAX_PODS_PER_NODE = 200;

    public record NamespaceSpec(String name, Map<String, String> labels) {
        public NamespaceSpec {
            labels = Map.copyOf(labels);
        }

        public boolean ambient() {
            return "ambient".equals(labels.get("istio.io/dataplane-mode"));
        }
    }

    /** @param node 1-based; {@code ip} is assigned by the spec */
    public record PodSpec(String name, String namespace, String serviceAccount, int node, Map<String, String> labels,
                          InetAddress ip) {
        public PodSpec {
            labels = Map.copyOf(labels);
        }
    }

    public record Port(String name, int port, int targetPort) {
    }

    public record ServiceSpec(String name, String namespace, InetAddress vip, List<Port> ports, Map<String, String> selector) {
        public ServiceSpec {
            ports = List.copyOf(ports);
            selector = Map.copyOf(selector);
        }

        public String hostname() {
            return name + "." + namespace + ".svc.cluster.local";
        }
    }

    public LabSpec {
        namespaces = List.copyOf(namespaces);
        pods = List.copyOf(pods);
        services = List.copyOf(services);
        if (nodes < 1 || nodes > MAX_NODES) {
            throw new IllegalArgumentException("nodes must be 1.." + MAX_NODES + ", was " + nodes);
        }
        Map<String, Integer> names = new LinkedHashMap<>();
        for (PodSpec pod : pods) {
            if (names.put(pod.name(), pod.node()) != null) {
                throw new IllegalArgumentException("pod name " + pod.name() + " is used twice (names are lab-wide: they name namespaces)");
            }
            if (pod.node() < 1 || pod.node() > nodes) {
                throw new IllegalArgumentException("pod " + pod.name() + ": node " + pod.node() + " is not 1.." + nodes);
            }
            if (namespaces.stream().noneMatch(n -> n.name().equals(pod.namespace()))) {
                throw new IllegalArgumentException("pod " + pod.name() + ": namespace " + pod.namespace() + " is not declared");
            }
        }
    }

    /** A spec builder that assigns pod addresses in order. */
    public static Builder builder(int nodes) {
        return new Builder(nodes);
    }

    public static final class Builder {
        private final int nodes;
        private final List<NamespaceSpec> namespaces = new ArrayList<>();
        private final List<PodSpec> pods = new ArrayList<>();
        private final List<ServiceSpec> services = new ArrayList<>();
        private final int[] nextHost;

        private Builder(int nodes) {
            this.nodes = nodes;
            this.nextHost = new int[MAX_NODES + 1];
            java.util.Arrays.fill(nextHost, 10);
        }

        public Builder namespace(String name, Map<String, String> labels) {
            requireName(name, "namespace");
            namespaces.add(new NamespaceSpec(name, labels));
            return this;
        }

        public Builder ambientNamespace(String name) {
            return namespace(name, Map.of("istio.io/dataplane-mode", "ambient"));
        }

        public Builder pod(String name, String namespace, String serviceAccount, int node, Map<String, String> labels) {
            requireName(name, "pod");
            if (node < 1 || node > MAX_NODES) {
                throw new IllegalArgumentException("pod " + name + ": node " + node + " is out of range");
            }
            int host = nextHost[node]++;
            if (host - 10 >= MAX_PODS_PER_NODE) {
                throw new IllegalArgumentException("node " + node + " has more than " + MAX_PODS_PER_NODE + " pods");
            }
            pods.add(new PodSpec(name, namespace, serviceAccount, node, labels,
                    InetAddress.ofLiteral("10.244." + node + "." + host)));
            return this;
        }

        public Builder service(String name, String namespace, String vip, List<Port> ports, Map<String, String> selector) {
            requireName(name, "service");
            InetAddress address = InetAddress.ofLiteral(vip);
            byte[] raw = address.getAddress();
            if (raw.length != 4 || raw[0] != 10 || raw[1] != 96) {
                throw new IllegalArgumentException("service " + name + ": VIP " + vip + " is not in 10.96.0.0/16");
            }
            services.add(new ServiceSpec(name, namespace, address, ports, selector));
            return this;
        }

        public LabSpec build() {
            return new LabSpec(nodes, namespaces, pods, services);
        }
    }

    private static void requireName(String name, String what) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " name '" + name + "' is not a DNS label of at most 32 characters");
        }
    }

    /**
     * The same lab with pod addresses moved from {@code 10.244.n.h} to the loopback addresses
     * {@code 127.244.n.h}: where no namespaces can be made (no root), pods live on the host at
     * those addresses, which Linux routes to the host without any configuration.
     */
    public LabSpec onLoopback() {
        List<PodSpec> moved = pods.stream().map(p -> new PodSpec(p.name(), p.namespace(), p.serviceAccount(), p.node(), p.labels(),
                InetAddress.ofLiteral(p.ip().getHostAddress().replaceFirst("^10\\.", "127.")))).toList();
        return new LabSpec(nodes, namespaces, moved, services);
    }

    public PodSpec pod(String name) {
        return pods.stream().filter(p -> p.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no pod " + name + " in this lab"));
    }

    public NamespaceSpec namespace(String name) {
        return namespaces.stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
    }

    /** The pods a service selects. */
    public List<PodSpec> endpoints(ServiceSpec service) {
        return pods.stream().filter(p -> p.namespace().equals(service.namespace())
                && p.labels().entrySet().containsAll(service.selector().entrySet())).toList();
    }

    /** Reads the YAML form (see the class comment); unknown keys are refused. */
    public static LabSpec parse(Path file) throws IOException {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(0);
        Object root = new Yaml(new SafeConstructor(options)).load(Files.readString(file));
        if (!(root instanceof Map<?, ?> top)) {
            throw new IllegalArgumentException(file + ": expected a mapping with nodes, namespaces, pods, services");
        }
        onlyKeys(top, "top level", "nodes", "namespaces", "pods", "services");
        Builder b = builder(integer(top.get("nodes"), "nodes"));
        for (Map<?, ?> ns : list(top.get("namespaces"), "namespaces")) {
            onlyKeys(ns, "namespace", "name", "labels");
            b.namespace(string(ns.get("name"), "namespaces[].name"), strings(ns.get("labels")));
        }
        for (Map<?, ?> pod : list(top.get("pods"), "pods")) {
            onlyKeys(pod, "pod", "name", "namespace", "serviceAccount", "node", "labels");
            String name = string(pod.get("name"), "pods[].name");
            b.pod(name, string(pod.get("namespace"), "pods[" + name + "].namespace"),
                    pod.get("serviceAccount") == null ? "default" : string(pod.get("serviceAccount"), "serviceAccount"),
                    integer(pod.get("node"), "pods[" + name + "].node"), strings(pod.get("labels")));
        }
        for (Map<?, ?> svc : list(top.get("services"), "services")) {
            onlyKeys(svc, "service", "name", "namespace", "vip", "ports", "selector");
            List<Port> ports = new ArrayList<>();
            for (Map<?, ?> p : list(svc.get("ports"), "services[].ports")) {
                onlyKeys(p, "port", "name", "port", "targetPort");
                int port = integer(p.get("port"), "port");
                ports.add(new Port(p.get("name") == null ? "tcp-" + port : string(p.get("name"), "name"), port,
                        p.get("targetPort") == null ? port : integer(p.get("targetPort"), "targetPort")));
            }
            b.service(string(svc.get("name"), "services[].name"), string(svc.get("namespace"), "services[].namespace"),
                    string(svc.get("vip"), "services[].vip"), ports, strings(svc.get("selector")));
        }
        return b.build();
    }

    private static void onlyKeys(Map<?, ?> map, String what, String... allowed) {
        List<String> known = List.of(allowed);
        for (Object key : map.keySet()) {
            if (!known.contains(String.valueOf(key))) {
                throw new IllegalArgumentException(what + ": unknown key '" + key + "' (known: " + known + ")");
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<?, ?>> list(Object value, String what) {
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> l) || !l.stream().allMatch(Map.class::isInstance)) {
            throw new IllegalArgumentException(what + ": expected a list of mappings");
        }
        return (List<Map<?, ?>>) value;
    }

    private static Map<String, String> strings(Object value) {
        if (value == null) {
            return Map.of();
        }
        if (!(value instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("labels/selector: expected a mapping");
        }
        Map<String, String> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
        return out;
    }

    private static String string(Object value, String what) {
        if (!(value instanceof String s) || s.isBlank()) {
            throw new IllegalArgumentException(what + ": expected a string");
        }
        return s;
    }

    private static int integer(Object value, String what) {
        if (!(value instanceof Integer i)) {
            throw new IllegalArgumentException(what + ": expected an integer, was " + value);
        }
        return Objects.requireNonNull(i);
    }
}
