package io.ambit.ztunnel.admin;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

import com.google.protobuf.ByteString;
import io.ambit.proto.security.Authorization;
import io.ambit.proto.security.Match;
import io.ambit.proto.security.StringMatch;
import io.ambit.proto.workload.GatewayAddress;
import io.ambit.proto.workload.Locality;
import io.ambit.ztunnel.state.Endpoint;
import io.ambit.ztunnel.state.NetworkAddress;
import io.ambit.ztunnel.state.PortMapping;
import io.ambit.ztunnel.state.Service;
import io.ambit.ztunnel.state.Workload;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Istio ztunnel's JSON shape of its state, field for field as its serde structs print them
 * ({@code state/workload.rs} Workload, {@code state/service.rs} Service and Endpoint,
 * {@code rbac.rs} Authorization, {@code admin.rs} CertsDump/CertDump), so {@code istioctl
 * ztunnel-config} reads Ambit's {@code /config_dump} as it reads ztunnel's. Fields ztunnel leaves
 * out when they hold their default are left out here too.
 */
final class ZtunnelJson {

    private final JsonNodeFactory nodes;

    ZtunnelJson(JsonNodeFactory nodes) {
        this.nodes = nodes;
    }

    ObjectNode workload(Workload w) {
        io.ambit.proto.workload.Workload p = w.proto();
        ObjectNode out = nodes.objectNode();
        ArrayNode ips = out.putArray("workloadIps");
        w.addresses().forEach(ip -> ips.add(ip.getHostAddress()));
        if (p.hasWaypoint()) {
            out.set("waypoint", gateway(p.getWaypoint()));
        }
        if (p.hasNetworkGateway()) {
            out.set("networkGateway", gateway(p.getNetworkGateway()));
        }
        out.put("protocol", w.hbone() ? "HBONE" : "TCP");
        out.put("networkMode", p.getNetworkModeValue() == 1 ? "HostNetwork" : "Standard");
        putIfSet(out, "uid", w.uid());
        out.put("name", w.name());
        out.put("namespace", w.namespace());
        putIfSet(out, "trustDomain", w.trustDomain());
        putIfSet(out, "serviceAccount", w.serviceAccount());
        putIfSet(out, "network", w.network());
        putIfSet(out, "workloadName", p.getWorkloadName());
        putIfSet(out, "workloadType", p.getWorkloadType().name().toLowerCase(Locale.ROOT));
        putIfSet(out, "canonicalName", p.getCanonicalName());
        putIfSet(out, "canonicalRevision", p.getCanonicalRevision());
        putIfSet(out, "hostname", w.hostname());
        putIfSet(out, "node", w.node());
        if (p.getNativeTunnel()) {
            out.put("nativeTunnel", true);
        }
        if (!w.authorizationPolicies().isEmpty()) {
            ArrayNode policies = out.putArray("authorizationPolicies");
            w.authorizationPolicies().forEach(policies::add);
        }
        out.put("status", p.getStatusValue() == 1 ? "Unhealthy" : "Healthy");
        out.put("clusterId", p.getClusterId());
        if (p.hasLocality() && !p.getLocality().equals(Locality.getDefaultInstance())) {
            ObjectNode locality = out.putObject("locality");
            locality.put("region", p.getLocality().getRegion());
            locality.put("zone", p.getLocality().getZone());
            locality.put("subzone", p.getLocality().getSubzone());
        }
        if (!w.services().isEmpty()) {
            ArrayNode services = out.putArray("services");
            w.services().keySet().stream().sorted().forEach(services::add);
        }
        out.put("capacity", p.hasCapacity() ? p.getCapacity().getValue() : 1);
        return out;
    }

    ObjectNode service(Service s, List<Endpoint> endpoints) {
        io.ambit.proto.workload.Service p = s.proto();
        ObjectNode out = nodes.objectNode();
        out.put("name", s.name());
        out.put("namespace", s.namespace());
        out.put("hostname", s.hostname());
        ArrayNode vips = out.putArray("vips");
        s.vips().forEach(v -> vips.add(networkAddress(v)));
        out.set("ports", ports(s.ports()));
        ObjectNode byUid = out.putObject("endpoints");
        endpoints.stream().sorted(Comparator.comparing(e -> e.workload().uid())).forEach(e -> {
            ObjectNode endpoint = byUid.putObject(e.workload().uid());
            endpoint.put("workloadUid", e.workload().uid());
            endpoint.set("port", ports(e.ports()));
            endpoint.put("status", e.workload().proto().getStatusValue() == 1 ? "Unhealthy" : "Healthy");
        });
        ArrayNode sans = out.putArray("subjectAltNames");
        s.subjectAltNames().forEach(sans::add);
        if (p.hasWaypoint()) {
            out.set("waypoint", gateway(p.getWaypoint()));
        }
        if (p.getIpFamiliesValue() != 0) {
            out.put("ipFamilies", switch (p.getIpFamiliesValue()) {
                case 1 -> "IPv4";
                case 2 -> "IPv6";
                default -> "Dual";
            });
        }
        out.put("canonical", p.getCanonical());
        out.put("visibility", p.getVisibilityValue() == 1 ? "Namespace" : "Public");
        return out;
    }

    /** {@code rules} is ztunnel's {@code Vec<Vec<Vec<RbacMatch>>>}: rules of clauses of matches. */
    ObjectNode policy(Authorization a) {
        ObjectNode out = nodes.objectNode();
        out.put("name", a.getName());
        out.put("namespace", a.getNamespace());
        out.put("scope", switch (a.getScopeValue()) {
            case 1 -> "Namespace";
            case 2 -> "WorkloadSelector";
            default -> "Global";
        });
        out.put("action", a.getActionValue() == 1 ? "Deny" : "Allow");
        ArrayNode rules = out.putArray("rules");
        a.getRulesList().forEach(rule -> {
            ArrayNode clauses = rules.addArray();
            rule.getClausesList().forEach(clause -> {
                ArrayNode matches = clauses.addArray();
                clause.getMatchesList().forEach(m -> matches.add(match(m)));
            });
        });
        out.put("dryRun", a.getDryRun());
        return out;
    }

    private ObjectNode match(Match m) {
        ObjectNode out = nodes.objectNode();
        strings(out, "namespaces", m.getNamespacesList());
        strings(out, "notNamespaces", m.getNotNamespacesList());
        accounts(out, "serviceAccounts", m.getServiceAccountsList());
        accounts(out, "notServiceAccounts", m.getNotServiceAccountsList());
        strings(out, "principals", m.getPrincipalsList());
        strings(out, "notPrincipals", m.getNotPrincipalsList());
        cidrs(out, "sourceIps", m.getSourceIpsList());
        cidrs(out, "notSourceIps", m.getNotSourceIpsList());
        cidrs(out, "destinationIps", m.getDestinationIpsList());
        cidrs(out, "notDestinationIps", m.getNotDestinationIpsList());
        ports(out, "destinationPorts", m.getDestinationPortsList());
        ports(out, "notDestinationPorts", m.getNotDestinationPortsList());
        return out;
    }

    /** serde's external enum tagging: {@code {"Exact": "x"}}, {@code {"Presence": []}}. */
    private void strings(ObjectNode out, String field, List<StringMatch> matches) {
        if (matches.isEmpty()) {
            return;
        }
        ArrayNode list = out.putArray(field);
        for (StringMatch m : matches) {
            ObjectNode entry = list.addObject();
            switch (m.getMatchTypeCase()) {
                case EXACT -> entry.put("Exact", m.getExact());
                case PREFIX -> entry.put("Prefix", m.getPrefix());
                case SUFFIX -> entry.put("Suffix", m.getSuffix());
                case PRESENCE, MATCHTYPE_NOT_SET -> entry.putArray("Presence");
            }
        }
    }

    private void accounts(ObjectNode out, String field, List<io.ambit.proto.security.ServiceAccountMatch> matches) {
        if (matches.isEmpty()) {
            return;
        }
        ArrayNode list = out.putArray(field);
        matches.forEach(m -> list.addObject().put("namespace", m.getNamespace()).put("serviceAccount", m.getServiceAccount()));
    }

    private void cidrs(ObjectNode out, String field, List<io.ambit.proto.security.Address> addresses) {
        if (addresses.isEmpty()) {
            return;
        }
        ArrayNode list = out.putArray(field);
        addresses.forEach(a -> list.add(cidr(a.getAddress(), a.getLength())));
    }

    private static void ports(ObjectNode out, String field, List<Integer> ports) {
        if (!ports.isEmpty()) {
            ArrayNode list = out.putArray(field);
            ports.forEach(list::add);
        }
    }

    /** ztunnel's {@code HashMap<u16, u16>}: service port to target port, keys as strings. */
    private ObjectNode ports(List<PortMapping> mappings) {
        ObjectNode out = nodes.objectNode();
        mappings.stream().sorted(Comparator.comparingInt(PortMapping::servicePort))
                .forEach(m -> out.put(Integer.toString(m.servicePort()), m.targetPort()));
        return out;
    }

    /** {@code destination} is {@code network/ip} or {@code namespace/hostname} (serde untagged). */
    private ObjectNode gateway(GatewayAddress g) {
        ObjectNode out = nodes.objectNode();
        if (g.hasHostname()) {
            out.put("destination", g.getHostname().getNamespace() + "/" + g.getHostname().getHostname());
        } else {
            out.put("destination", g.getAddress().getNetwork() + "/" + ip(g.getAddress().getAddress()));
        }
        out.put("hboneMtlsPort", g.getHboneMtlsPort());
        return out;
    }

    private static String networkAddress(NetworkAddress address) {
        return address.network() + "/" + address.address().getHostAddress();
    }

    private static String ip(ByteString bytes) {
        try {
            return InetAddress.getByAddress(bytes.toByteArray()).getHostAddress();
        } catch (UnknownHostException e) {
            return "invalid:" + bytes.size() + " bytes"; // validated on receipt; cannot happen for stored state
        }
    }

    private static String cidr(ByteString bytes, int length) {
        int full = bytes.size() * 8;
        return ip(bytes) + "/" + (length == 0 && full > 0 ? full : length);
    }

    private static void putIfSet(ObjectNode out, String field, String value) {
        if (value != null && !value.isEmpty()) {
            out.put(field, value);
        }
    }

    /**
     * {@code identity}, {@code state} ({@code Available}, or {@code Initializing} until the CA
     * answers), {@code certChain} (leaf and intermediates) and {@code rootCerts}, each certificate
     * as ztunnel's CertDump: base64 of the PEM, decimal serial number, RFC 3339 validity.
     */
    ObjectNode certificates(String identity, List<X509Certificate> chain, List<X509Certificate> roots) {
        ObjectNode out = nodes.objectNode();
        out.put("identity", identity);
        out.put("state", chain.isEmpty() ? "Initializing" : "Available");
        ArrayNode certChain = out.putArray("certChain");
        chain.stream().filter(c -> !selfSigned(c)).forEach(c -> certChain.add(certificate(c)));
        ArrayNode rootCerts = out.putArray("rootCerts");
        List<X509Certificate> anchors = roots.isEmpty() ? chain.stream().filter(ZtunnelJson::selfSigned).toList() : roots;
        anchors.forEach(c -> rootCerts.add(certificate(c)));
        return out;
    }

    private ObjectNode certificate(X509Certificate c) {
        ObjectNode out = nodes.objectNode();
        out.put("pem", Base64.getEncoder().encodeToString(pem(c).getBytes(StandardCharsets.US_ASCII)));
        out.put("serialNumber", c.getSerialNumber().toString());
        out.put("validFrom", rfc3339(c.getNotBefore().toInstant()));
        out.put("expirationTime", rfc3339(c.getNotAfter().toInstant()));
        return out;
    }

    static String pem(X509Certificate c) {
        try {
            return "-----BEGIN CERTIFICATE-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(c.getEncoded())
                    + "\n-----END CERTIFICATE-----\n";
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("a parsed certificate does not encode: " + e.getMessage(), e);
        }
    }

    private static String rfc3339(Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static boolean selfSigned(X509Certificate c) {
        return c.getSubjectX500Principal().equals(c.getIssuerX500Principal());
    }
}
