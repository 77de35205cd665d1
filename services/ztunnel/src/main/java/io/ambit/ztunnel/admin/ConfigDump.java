package io.ambit.ztunnel.admin;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.ztunnel.capture.CaptureManager;
import io.ambit.ztunnel.identity.WorkloadCertificates;
import io.ambit.authz.AuthorizationPolicy;
import io.ambit.ztunnel.state.Service;
import io.ambit.ztunnel.state.StateSnapshot;
import io.ambit.ztunnel.state.StateStore;
import io.ambit.ztunnel.state.Workload;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * What the admin endpoint shows, in Istio ztunnel's JSON shape ({@link ZtunnelJson}; what
 * {@code istioctl ztunnel-config} reads): {@code workloads}, {@code services} (with their
 * {@code endpoints}), {@code policies} and {@code certificates}, each sorted by its key as ztunnel
 * sorts them. Ambit adds two keys Istio's dump does not have: {@code generation} (of the xDS state)
 * and {@code capture} (the pods this node captured, as ztunnel's in-pod handler adds its own key).
 * Certificates are described by their public parts only: the private key is never read here, so
 * it cannot leak through this page.
 */
public final class ConfigDump {

    static final JsonMapper JSON = JsonMapper.builder().build();

    private final StateStore state;
    private final WorkloadCertificates certificates;
    private final Clock clock;
    private final Supplier<Optional<CaptureManager>> capture;
    private final Supplier<List<X509Certificate>> roots;
    private final ZtunnelJson shape = new ZtunnelJson(JSON.getNodeFactory());

    public ConfigDump(StateStore state, WorkloadCertificates certificates, Clock clock) {
        this(state, certificates, clock, Optional::empty, List::of);
    }

    /**
     * @param capture the capture manager, when this node captures pods
     * @param roots   the mesh's trust anchors ({@code rootCerts}); empty until the node has its bundle
     */
    public ConfigDump(StateStore state, WorkloadCertificates certificates, Clock clock,
            Supplier<Optional<CaptureManager>> capture, Supplier<List<X509Certificate>> roots) {
        this.state = state;
        this.certificates = certificates;
        this.clock = clock;
        this.capture = capture;
        this.roots = roots;
    }

    /** {@code workloads}, {@code services}, {@code policies}, {@code certificates}; then {@code generation}, {@code capture}. */
    public ObjectNode configDump() {
        StateSnapshot snapshot = state.snapshot(); // one snapshot: the lists agree with each other
        ObjectNode dump = nodes().objectNode();
        ArrayNode workloads = dump.putArray("workloads");
        snapshot.workloads().stream().sorted(Comparator.comparing(Workload::uid)).forEach(w -> workloads.add(shape.workload(w)));
        ArrayNode services = dump.putArray("services");
        snapshot.services().stream().sorted(Comparator.comparing(Service::hostname).thenComparing(Service::namespace))
                .forEach(s -> services.add(shape.service(s, snapshot.endpoints(s.key()))));
        ArrayNode policies = dump.putArray("policies");
        snapshot.policies().stream().sorted(Comparator.comparing(AuthorizationPolicy::key))
                .forEach(p -> policies.add(shape.policy(p.proto())));
        dump.set("certificates", certificates());
        dump.put("generation", snapshot.generation());
        dump.set("capture", capture());
        return dump;
    }

    /**
     * {@code enabled}; {@code pods}: each captured pod's uid, address, namespace file, rules backend,
     * since when and listeners; {@code waiting}: pods to capture that are not (yet), with why. The
     * lab starts a pod's workload only once its uid is here, as the CNI waits for ztunnel.
     */
    public ObjectNode capture() {
        ObjectNode out = nodes().objectNode();
        Optional<CaptureManager> manager = capture.get();
        out.put("enabled", manager.isPresent());
        ArrayNode pods = out.putArray("pods");
        ObjectNode waiting = out.putObject("waiting");
        manager.ifPresent(m -> {
            m.captured().values().stream().sorted(Comparator.comparing(p -> p.workload().uid())).forEach(p -> {
                ObjectNode pod = pods.addObject();
                pod.put("uid", p.workload().uid());
                pod.put("address", p.workload().addresses().getFirst().getHostAddress());
                pod.put("identity", p.workload().spiffeId());
                pod.put("namespace", p.namespace().toString());
                pod.put("rules", p.rules());
                pod.put("since", p.since().toString());
                ArrayNode listeners = pod.putArray("listeners");
                listeners.add(p.proxy().hboneAddress().toString());
                p.proxy().listenerAddresses().forEach(a -> listeners.add(a.toString()));
            });
            m.waiting().forEach(waiting::put);
        });
        return out;
    }

    /** One entry per served identity, sorted (ztunnel's CertsDump; see {@link ZtunnelJson#certificates}). */
    public ArrayNode certificates() {
        ArrayNode out = nodes().arrayNode();
        List<X509Certificate> anchors = roots.get();
        certificates.served().stream().sorted(Comparator.comparing(SpiffeId::toString)).forEach(id -> out.add(
                shape.certificates(id.toString(), certificates.current(id).map(Svid::chain).orElse(List.of()), anchors)));
        return out;
    }

    private static JsonNodeFactory nodes() {
        return JSON.getNodeFactory();
    }
}
