package io.ambit.admin.mesh;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.ambit.admin.upstream.AdminProperties;
import io.ambit.admin.upstream.Upstream;
import io.ambit.admin.upstream.UpstreamException;
import io.ambit.authz.AuthorizationParser;
import io.ambit.authz.AuthorizationPolicy;
import io.ambit.authz.InvalidPolicyException;
import io.ambit.identity.WorkloadIdentity;
import io.ambit.proto.security.Authorization;
import io.ambit.proto.workload.Address;
import io.ambit.proto.workload.GatewayAddress;
import io.ambit.proto.workload.TunnelProtocol;
import io.ambit.proto.workload.Workload;
import tools.jackson.databind.JsonNode;

/**
 * Reads the mesh into a {@link MeshSnapshot}: the xds-server's translated resources
 * ({@code /debug/xds/resources}), store objects ({@code /store/export}), statuses and findings,
 * and every ztunnel's {@code /config_dump} for certificates. A snapshot younger than the refresh
 * interval is reused, so a dashboard polled by many browsers costs one read per interval. The
 * xds-server is required (without it there is no mesh to show); a ztunnel that does not answer is
 * reported in the snapshot, not an error.
 */
public final class MeshReader {

    private static final JsonFormat.Parser PROTO = JsonFormat.parser().ignoringUnknownFields();

    private final AdminProperties properties;
    private final io.ambit.admin.upstream.XdsServerLocator xdsServer;
    private final Upstream upstream;
    private final Clock clock;
    private final AtomicReference<MeshSnapshot> last = new AtomicReference<>();

    public MeshReader(AdminProperties properties, Upstream upstream, Clock clock) {
        this(properties, io.ambit.admin.upstream.XdsServerLocator.fixed(properties.xdsUrl()), upstream, clock);
    }

    /** @param xdsServer where the xds-server's HTTP API is (Kubernetes mode: found by discovery) */
    public MeshReader(AdminProperties properties, io.ambit.admin.upstream.XdsServerLocator xdsServer, Upstream upstream, Clock clock) {
        this.xdsServer = xdsServer;
        this.properties = properties;
        this.upstream = upstream;
        this.clock = clock;
    }

    /** The current snapshot, read afresh when the last one is older than the refresh interval. */
    public MeshSnapshot current() {
        MeshSnapshot snapshot = last.get();
        if (snapshot != null && Duration.between(snapshot.readAt(), clock.instant()).compareTo(properties.refresh()) < 0) {
            return snapshot;
        }
        return refresh();
    }

    /** A new snapshot now (after a write, so the caller sees its change). */
    public synchronized MeshSnapshot refresh() {
        MeshSnapshot snapshot = read();
        last.set(snapshot);
        return snapshot;
    }

    private MeshSnapshot read() {
        Instant now = clock.instant();
        List<String> problems = new ArrayList<>();
        JsonNode addresses = upstream.getJson("xds-server", xds("/debug/xds/resources?type=address"));
        JsonNode authorizations = upstream.getJson("xds-server", xds("/debug/xds/resources?type=authorization"));
        JsonNode export = upstream.getJson("xds-server", xds("/store/export"));
        JsonNode statuses = upstream.getJson("xds-server", xds("/store/status"));
        JsonNode findings = upstream.getJson("xds-server", xds("/debug/xds/findings"));

        List<Workload> workloadProtos = new ArrayList<>();
        List<io.ambit.proto.workload.Service> serviceProtos = new ArrayList<>();
        for (JsonNode resource : addresses.path("resources")) {
            Address.Builder address = Address.newBuilder();
            try {
                PROTO.merge(resource.path("resource").toString(), address);
            } catch (InvalidProtocolBufferException e) {
                problems.add("address " + resource.path("name").asString() + " does not read: " + e.getMessage());
                continue;
            }
            if (address.hasWorkload()) {
                workloadProtos.add(address.getWorkload());
            } else if (address.hasService()) {
                serviceProtos.add(address.getService());
            }
        }
        Map<String, String> waypointByAddress = new LinkedHashMap<>();
        List<ServiceInfo> services = new ArrayList<>();
        for (var s : serviceProtos) {
            List<String> vips = s.getAddressesList().stream().map(a -> ip(a.getAddress())).toList();
            String gateway = s.getNamespace() + "/" + s.getName();
            vips.forEach(vip -> waypointByAddress.put(vip, gateway));
            waypointByAddress.put(s.getNamespace() + "/" + s.getHostname(), gateway);
        }
        for (var s : serviceProtos) {
            String key = s.getNamespace() + "/" + s.getHostname();
            List<String> endpoints = workloadProtos.stream().filter(w -> w.containsServices(key)).map(Workload::getUid).sorted().toList();
            services.add(new ServiceInfo(s.getName(), s.getNamespace(), s.getHostname(),
                    s.getAddressesList().stream().map(a -> ip(a.getAddress())).toList(),
                    s.getPortsList().stream().map(p -> new ServiceInfo.Port(p.getServicePort(), p.getTargetPort())).toList(),
                    s.hasWaypoint() ? waypoint(s.getWaypoint(), waypointByAddress) : null, endpoints));
        }
        List<WorkloadInfo> workloads = new ArrayList<>();
        for (Workload w : workloadProtos) {
            Map<String, Map<Integer, Integer>> served = new TreeMap<>();
            w.getServicesMap().forEach((key, ports) -> {
                Map<Integer, Integer> map = new TreeMap<>();
                ports.getPortsList().forEach(p -> map.put(p.getServicePort(), p.getTargetPort()));
                served.put(key, map);
            });
            workloads.add(new WorkloadInfo(w.getUid(), w.getName(), w.getNamespace(),
                    w.getWorkloadName().isEmpty() ? w.getName() : w.getWorkloadName(), w.getNode(), w.getServiceAccount(),
                    identity(w), w.getAddressesList().stream().map(MeshReader::ip).toList(),
                    w.getTunnelProtocol() == TunnelProtocol.HBONE,
                    w.hasWaypoint() ? waypoint(w.getWaypoint(), waypointByAddress) : null, served,
                    w.getAuthorizationPoliciesList(), w.getStatus().name()));
        }
        workloads.sort(java.util.Comparator.comparing(WorkloadInfo::namespace).thenComparing(WorkloadInfo::name));
        services.sort(java.util.Comparator.comparing(ServiceInfo::namespace).thenComparing(ServiceInfo::name));

        Map<String, AuthorizationPolicy> policies = new TreeMap<>();
        Map<String, Authorization> translated = new TreeMap<>();
        for (JsonNode resource : authorizations.path("resources")) {
            Authorization.Builder authorization = Authorization.newBuilder();
            try {
                PROTO.merge(resource.path("resource").toString(), authorization);
                AuthorizationPolicy policy = AuthorizationParser.parse(authorization.build());
                policies.put(policy.key(), policy);
                translated.put(policy.key(), authorization.build());
            } catch (InvalidProtocolBufferException | InvalidPolicyException e) {
                problems.add("policy " + resource.path("name").asString() + " is refused by the ztunnels' parser: " + e.getMessage());
            }
        }
        List<StoreObject> objects = new ArrayList<>();
        for (JsonNode entry : export.path("objects")) {
            JsonNode object = entry.path("object");
            JsonNode metadata = object.path("metadata");
            objects.add(new StoreObject(object.path("kind").asString(), metadata.path("namespace").asString(""),
                    metadata.path("name").asString(), entry.path("source").asString(), entry.path("line").asInt(), object));
        }
        List<String> findingList = new ArrayList<>();
        findings.path("findings").forEach(f -> findingList.add(f.asString()));

        List<CertificateInfo> certificates = new ArrayList<>();
        Map<String, String> ztunnels = new TreeMap<>();
        for (AdminProperties.Ztunnel z : properties.ztunnels()) {
            try {
                JsonNode dump = Upstream.JSON.readTree(upstream.get("ztunnel " + z.node(), z.adminUrl().resolve("/config_dump"), false));
                for (JsonNode c : dump.path("certificates")) {
                    certificates.add(ZtunnelCertificates.read(z.node(), c, now));
                }
                ztunnels.put(z.node(), "UP");
            } catch (UpstreamException | tools.jackson.core.JacksonException e) {
                ztunnels.put(z.node(), "DOWN");
                problems.add("ztunnel " + z.node() + ": " + e.getMessage());
            }
        }
        return new MeshSnapshot(now, addresses.path("generation").asLong(), workloads, services, policies, translated, objects,
                statuses, findingList, certificates, ztunnels, problems);
    }

    /** {@code path} on the xds-server's HTTP API, where it is now. */
    public URI xds(String path) {
        return xdsServer.resolve(path);
    }

    /** A waypoint by the Gateway's {@code namespace/name}: its service shares the Gateway's name. */
    private static String waypoint(GatewayAddress address, Map<String, String> byAddress) {
        if (address.hasHostname()) {
            String key = address.getHostname().getNamespace() + "/" + address.getHostname().getHostname();
            return byAddress.getOrDefault(key, address.getHostname().getNamespace() + "/"
                    + address.getHostname().getHostname().split("\\.", 2)[0]);
        }
        String ip = ip(address.getAddress().getAddress());
        return byAddress.getOrDefault(ip, ip);
    }

    private static String identity(Workload w) {
        if (w.getServiceAccount().isEmpty() || w.getNamespace().isEmpty()) {
            return "";
        }
        String trustDomain = w.getTrustDomain().isEmpty() ? "cluster.local" : w.getTrustDomain();
        try {
            return new WorkloadIdentity(trustDomain, w.getNamespace(), w.getServiceAccount()).toString();
        } catch (RuntimeException e) {
            return "";
        }
    }

    static String ip(ByteString bytes) {
        try {
            return InetAddress.getByAddress(bytes.toByteArray()).getHostAddress();
        } catch (UnknownHostException e) {
            return "invalid(" + bytes.size() + " bytes)";
        }
    }
}
