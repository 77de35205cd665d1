package io.ambit.ztunnel.state;

import io.ambit.authz.AuthorizationPolicy;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.Set;

/**
 * Everything xDS has told this ztunnel, at one instant: immutable, so a reader holding it sees
 * whole responses only. Built by {@link XdsStateHandler}; read through {@link StateStore#snapshot()}.
 *
 * <p>Indexes are rebuilt from the resources with every change (O(n) per response, fine at a node's
 * scale; a persistent map would make it O(change) if it ever shows in a profile). Only addresses on the local network ({@code ""}) are indexed by IP: another
 * network's IPs can overlap ours and are reached through its network gateway.
 */
public final class StateSnapshot {

    /** A service VIP and one of its ports. */
    public record Vip(InetAddress ip, int port) {
    }

    static final StateSnapshot EMPTY = new StateSnapshot(0, new LinkedHashMap<>(), new LinkedHashMap<>(), new LinkedHashMap<>());

    private final long generation;
    // Primary: by resource name, in the order last applied (so "last applied wins" in the IP index).
    private final SequencedMap<String, Workload> workloads;
    private final SequencedMap<String, Service> services;
    private final SequencedMap<String, AuthorizationPolicy> policies;
    // Derived.
    private final Map<InetAddress, Workload> workloadsByIp = new HashMap<>();
    private final Map<String, List<Workload>> workloadsByNode = new HashMap<>();
    private final Map<Vip, Service> servicesByVip = new HashMap<>();
    private final Map<String, List<Endpoint>> endpoints = new HashMap<>();
    private final Map<String, List<String>> policiesByNamespace = new HashMap<>();

    StateSnapshot(long generation, SequencedMap<String, Workload> workloads, SequencedMap<String, Service> services,
                  SequencedMap<String, AuthorizationPolicy> policies) {
        this.generation = generation;
        this.workloads = java.util.Collections.unmodifiableSequencedMap(new LinkedHashMap<>(workloads));
        this.services = java.util.Collections.unmodifiableSequencedMap(new LinkedHashMap<>(services));
        this.policies = java.util.Collections.unmodifiableSequencedMap(new LinkedHashMap<>(policies));
        for (Workload w : this.workloads.values()) {
            if (w.network().isEmpty()) {
                w.addresses().forEach(ip -> workloadsByIp.put(ip, w));
            }
            if (!w.node().isEmpty()) {
                workloadsByNode.computeIfAbsent(w.node(), n -> new ArrayList<>()).add(w);
            }
            w.services().forEach((key, ports) -> endpoints.computeIfAbsent(key, k -> new ArrayList<>()).add(new Endpoint(w, ports)));
        }
        for (Service s : this.services.values()) {
            for (NetworkAddress vip : s.vips()) {
                if (vip.local()) {
                    s.ports().forEach(p -> servicesByVip.put(new Vip(vip.address(), p.servicePort()), s));
                }
            }
        }
        for (AuthorizationPolicy p : this.policies.values()) {
            switch (p.scope()) {
                case GLOBAL -> policiesByNamespace.computeIfAbsent("", n -> new ArrayList<>()).add(p.key());
                case NAMESPACE -> policiesByNamespace.computeIfAbsent(p.namespace(), n -> new ArrayList<>()).add(p.key());
                case WORKLOAD_SELECTOR -> {
                    // found through the workload's authorization_policies
                }
            }
        }
        workloadsByNode.replaceAll((n, list) -> List.copyOf(list));
        endpoints.replaceAll((k, list) -> List.copyOf(list));
        policiesByNamespace.replaceAll((k, list) -> List.copyOf(list));
    }

    /** Incremented by every response that changed something. */
    public long generation() {
        return generation;
    }

    public Optional<Workload> workload(String uid) {
        return Optional.ofNullable(workloads.get(uid));
    }

    /** The workload with this IP on the local network. */
    public Optional<Workload> workloadAt(InetAddress ip) {
        return Optional.ofNullable(workloadsByIp.get(ip));
    }

    public Collection<Workload> workloads() {
        return workloads.values();
    }

    /** Every workload scheduled on this node (as its {@code node} field says). */
    public List<Workload> workloadsOnNode(String node) {
        return workloadsByNode.getOrDefault(node, List.of());
    }

    /** The workloads on this node enrolled in the mesh (tunnel protocol HBONE): the pods to capture. */
    public List<Workload> hboneWorkloadsOnNode(String node) {
        return workloadsOnNode(node).stream().filter(Workload::hbone).toList();
    }

    public Optional<Service> service(String namespaceHostname) {
        return Optional.ofNullable(services.get(namespaceHostname));
    }

    /** The service listening on this VIP and port (local network). */
    public Optional<Service> serviceAt(InetAddress vip, int port) {
        return Optional.ofNullable(servicesByVip.get(new Vip(vip, port)));
    }

    public Collection<Service> services() {
        return services.values();
    }

    /** The workloads whose {@code services} name this service, with their port mappings. */
    public List<Endpoint> endpoints(String namespaceHostname) {
        return endpoints.getOrDefault(namespaceHostname, List.of());
    }

    public Optional<AuthorizationPolicy> policy(String namespaceName) {
        return Optional.ofNullable(policies.get(namespaceName));
    }

    public Collection<AuthorizationPolicy> policies() {
        return policies.values();
    }

    /**
     * The policies that apply to a workload, as ztunnel gathers them: NAMESPACE ones of its namespace,
     * GLOBAL ones, then the WORKLOAD_SELECTOR ones it names (each once). A named policy this state
     * does not have is skipped ({@link #unknownPolicyReferences}): it may not have arrived yet.
     */
    public List<AuthorizationPolicy> policiesFor(Workload workload) {
        return io.ambit.authz.L4Policy.applicable(policiesByNamespace.getOrDefault(workload.namespace(), List.of()),
                policiesByNamespace.getOrDefault("", List.of()), workload.authorizationPolicies(), policies::get);
    }

    /** Policies the workload names that this state does not have. */
    public List<String> unknownPolicyReferences(Workload workload) {
        return workload.authorizationPolicies().stream().filter(k -> !policies.containsKey(k)).toList();
    }

    SequencedMap<String, Workload> workloadMap() {
        return workloads;
    }

    SequencedMap<String, Service> serviceMap() {
        return services;
    }

    SequencedMap<String, AuthorizationPolicy> policyMap() {
        return policies;
    }

    @Override
    public String toString() {
        return "StateSnapshot[generation=" + generation + ", workloads=" + workloads.size() + ", services=" + services.size()
                + ", policies=" + policies.size() + "]";
    }
}
