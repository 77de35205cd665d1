package io.ambit.ztunnel.admin;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;
import java.util.function.Supplier;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.ztunnel.capture.CaptureManager;
import io.ambit.ztunnel.identity.WorkloadCertificates;
import io.ambit.authz.AuthorizationPolicy;
import io.ambit.ztunnel.state.ProtoJson;
import io.ambit.ztunnel.state.Service;
import io.ambit.ztunnel.state.StateSnapshot;
import io.ambit.ztunnel.state.StateStore;
import io.ambit.ztunnel.state.Workload;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * What the admin endpoint shows (Istio ztunnel's {@code /config_dump} and {@code /certs}): the
 * current state's resources as protobuf JSON with IP literals ({@link ProtoJson}, so an entry can
 * be pasted into a local config file), sorted by name, and the certificates of the served
 * identities. Certificates are described by their public parts only: the private key is never
 * read here, so it cannot leak through this page.
 */
public final class ConfigDump {

    static final JsonMapper JSON = JsonMapper.builder().build();

    private final StateStore state;
    private final WorkloadCertificates certificates;
    private final Clock clock;

    private final Supplier<Optional<CaptureManager>> capture;

    public ConfigDump(StateStore state, WorkloadCertificates certificates, Clock clock) {
        this(state, certificates, clock, Optional::empty);
    }

    /** @param capture the capture manager, when this node captures pods */
    public ConfigDump(StateStore state, WorkloadCertificates certificates, Clock clock,
            Supplier<Optional<CaptureManager>> capture) {
        this.state = state;
        this.certificates = certificates;
        this.clock = clock;
        this.capture = capture;
    }

    /** {@code generation}, {@code workloads}, {@code services}, {@code policies}, {@code certificates}. */
    public ObjectNode configDump() {
        StateSnapshot snapshot = state.snapshot(); // one snapshot: the lists agree with each other
        ObjectNode dump = nodes().objectNode();
        dump.put("generation", snapshot.generation());
        ArrayNode workloads = dump.putArray("workloads");
        snapshot.workloads().stream().sorted(Comparator.comparing(Workload::uid)).forEach(w -> workloads.add(print(w.proto())));
        ArrayNode services = dump.putArray("services");
        snapshot.services().stream().sorted(Comparator.comparing(Service::key)).forEach(s -> services.add(print(s.proto())));
        ArrayNode policies = dump.putArray("policies");
        snapshot.policies().stream().sorted(Comparator.comparing(AuthorizationPolicy::key)).forEach(p -> policies.add(print(p.proto())));
        dump.set("certificates", certificates());
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

    /**
     * One entry per served identity, sorted: {@code identity}, {@code state} ({@code pending} until
     * the CA has answered), and for an available one the leaf's serial number, validity, remaining
     * seconds and issuer, and each chain certificate's subject, issuer, serial and validity.
     */
    public ArrayNode certificates() {
        ArrayNode out = nodes().arrayNode();
        Instant now = clock.instant();
        certificates.served().stream().sorted(Comparator.comparing(SpiffeId::toString)).forEach(id -> {
            ObjectNode entry = out.addObject();
            entry.put("identity", id.toString());
            Optional<Svid> svid = certificates.current(id);
            entry.put("state", svid.isPresent() ? "available" : "pending");
            svid.ifPresent(s -> describe(s, now, entry));
        });
        return out;
    }

    private static void describe(Svid svid, Instant now, ObjectNode entry) {
        X509Certificate leaf = svid.leaf();
        entry.put("serialNumber", leaf.getSerialNumber().toString(16));
        entry.put("notBefore", svid.notBefore().toString());
        entry.put("notAfter", svid.notAfter().toString());
        entry.put("remainingSeconds", Math.max(0, Duration.between(now, svid.notAfter()).toSeconds()));
        entry.put("issuer", leaf.getIssuerX500Principal().getName());
        ArrayNode chain = entry.putArray("chain");
        for (X509Certificate certificate : svid.chain()) {
            ObjectNode link = chain.addObject();
            link.put("subject", certificate.getSubjectX500Principal().getName());
            link.put("issuer", certificate.getIssuerX500Principal().getName());
            link.put("serialNumber", certificate.getSerialNumber().toString(16));
            link.put("notBefore", certificate.getNotBefore().toInstant().toString());
            link.put("notAfter", certificate.getNotAfter().toInstant().toString());
        }
    }

    /** A resource that cannot be printed (an extension of an unknown type) is shown as such, not dropped. */
    private static ObjectNode print(MessageOrBuilder message) {
        try {
            return ProtoJson.print(message);
        } catch (InvalidProtocolBufferException e) {
            ObjectNode error = nodes().objectNode();
            error.put("unprintable", message.getDescriptorForType().getFullName() + ": " + e.getMessage());
            return error;
        }
    }

    private static JsonNodeFactory nodes() {
        return JSON.getNodeFactory();
    }
}
