package io.ambit.ztunnel.state;

import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Entries of a local config file written for Istio's ztunnel ({@code LOCAL_XDS_PATH}: its
 * {@code xds.rs} LocalConfig of LocalWorkload, Service and Authorization in serde's camelCase
 * shape, as its {@code /config_dump} prints them), turned into the protobuf JSON form
 * {@link ProtoJson} reads, so the same validation applies. An entry is in ztunnel's shape when it
 * has a key only that shape has ({@code workloadIps}/{@code protocol}, {@code vips}, or a
 * capitalised {@code scope}/{@code action}); otherwise it is read as protobuf JSON, as before.
 * Unknown keys are refused, as ztunnel refuses them ({@code deny_unknown_fields}).
 */
final class ZtunnelLocalFormat {

    private static final JsonNodeFactory NODES = ProtoJson.JSON.getNodeFactory();

    private static final Set<String> WORKLOAD_KEYS = Set.of("workloadIps", "waypoint", "networkGateway", "protocol",
            "networkMode", "uid", "name", "namespace", "trustDomain", "serviceAccount", "network", "workloadName",
            "workloadType", "canonicalName", "canonicalRevision", "hostname", "node", "nativeTunnel", "authorizationPolicies",
            "status", "clusterId", "locality", "services", "capacity");
    private static final Set<String> SERVICE_KEYS = Set.of("name", "namespace", "hostname", "vips", "ports", "endpoints",
            "subjectAltNames", "waypoint", "canonical", "visibility");
    private static final Set<String> POLICY_KEYS = Set.of("name", "namespace", "scope", "action", "rules", "dryRun");
    private static final Set<String> MATCH_KEYS = Set.of("namespaces", "notNamespaces", "serviceAccounts",
            "notServiceAccounts", "principals", "notPrincipals", "sourceIps", "notSourceIps", "destinationIps",
            "notDestinationIps", "destinationPorts", "notDestinationPorts");

    static boolean isZtunnelShape(LocalConfig.Section section, ObjectNode entry) {
        return switch (section) {
            case WORKLOADS -> entry.has("workloadIps") || entry.has("protocol");
            case SERVICES -> entry.has("vips");
            case POLICIES -> capitalised(entry.path("scope")) || capitalised(entry.path("action"));
        };
    }

    private static boolean capitalised(JsonNode value) {
        String text = value.isString() ? value.asString() : "";
        return !text.isEmpty() && Character.isUpperCase(text.charAt(0)) && !text.equals(text.toUpperCase(Locale.ROOT));
    }

    static ObjectNode convert(LocalConfig.Section section, ObjectNode entry, String path) throws InvalidResourceException {
        return switch (section) {
            case WORKLOADS -> workload(entry, path);
            case SERVICES -> service(entry, path);
            case POLICIES -> policy(entry, path);
        };
    }

    private static ObjectNode workload(ObjectNode in, String path) throws InvalidResourceException {
        known(in, WORKLOAD_KEYS, path);
        ObjectNode out = NODES.objectNode();
        copy(in, out, "uid", "name", "namespace", "trustDomain", "serviceAccount", "network", "workloadName",
                "canonicalName", "canonicalRevision", "hostname", "node", "nativeTunnel", "authorizationPolicies",
                "clusterId", "locality", "capacity");
        if (in.has("workloadIps")) {
            out.set("addresses", in.get("workloadIps"));
        }
        if (in.has("protocol")) {
            out.put("tunnelProtocol", switch (text(in, "protocol", path)) {
                case "HBONE" -> "HBONE";
                case "TCP" -> "NONE";
                case "LegacyIstioMtls" -> "LEGACY_ISTIO_MTLS";
                default -> throw new InvalidResourceException(path + ".protocol: " + in.get("protocol") + " is not HBONE or TCP");
            });
        }
        if (in.has("networkMode")) {
            out.put("networkMode", switch (text(in, "networkMode", path)) {
                case "Standard" -> "STANDARD";
                case "HostNetwork" -> "HOST_NETWORK";
                default -> throw new InvalidResourceException(path + ".networkMode: " + in.get("networkMode") + " is not Standard or HostNetwork");
            });
        }
        if (in.has("status")) {
            out.put("status", switch (text(in, "status", path)) {
                case "Healthy" -> "HEALTHY";
                case "Unhealthy" -> "UNHEALTHY";
                default -> throw new InvalidResourceException(path + ".status: " + in.get("status") + " is not Healthy or Unhealthy");
            });
        }
        if (in.has("workloadType")) {
            out.put("workloadType", text(in, "workloadType", path).toUpperCase(Locale.ROOT));
        }
        for (String gateway : new String[] {"waypoint", "networkGateway"}) {
            if (in.hasNonNull(gateway)) {
                out.set(gateway, gateway(in.get(gateway), path + "." + gateway));
            }
        }
        if (in.has("services")) {
            // LocalWorkload.services: {"ns/hostname": {"80": 8080}}
            JsonNode services = in.get("services");
            if (!services.isObject()) {
                throw new InvalidResourceException(path + ".services: must map namespace/hostname to {servicePort: targetPort}");
            }
            ObjectNode map = out.putObject("services");
            for (Map.Entry<String, JsonNode> s : services.properties()) {
                map.putObject(s.getKey()).set("ports", ports(s.getValue(), path + ".services." + s.getKey()));
            }
        }
        return out;
    }

    private static ObjectNode service(ObjectNode in, String path) throws InvalidResourceException {
        known(in, SERVICE_KEYS, path);
        if (in.has("endpoints") && !in.get("endpoints").isEmpty()) {
            throw new InvalidResourceException(path + ".endpoints: endpoints come from the workloads' services, not the service");
        }
        ObjectNode out = NODES.objectNode();
        copy(in, out, "name", "namespace", "hostname", "subjectAltNames", "canonical");
        ArrayNode addresses = out.putArray("addresses");
        for (JsonNode vip : array(in, "vips", path)) {
            String[] parts = networkAndValue(vip, path + ".vips");
            addresses.addObject().put("network", parts[0]).put("address", parts[1]);
        }
        if (in.has("ports")) {
            out.set("ports", ports(in.get("ports"), path + ".ports"));
        }
        if (in.hasNonNull("waypoint")) {
            out.set("waypoint", gateway(in.get("waypoint"), path + ".waypoint"));
        }
        if (in.has("visibility")) {
            out.put("visibility", text(in, "visibility", path).toUpperCase(Locale.ROOT));
        }
        return out;
    }

    private static ObjectNode policy(ObjectNode in, String path) throws InvalidResourceException {
        known(in, POLICY_KEYS, path);
        ObjectNode out = NODES.objectNode();
        copy(in, out, "name", "namespace", "dryRun");
        if (in.has("scope")) {
            out.put("scope", switch (text(in, "scope", path)) {
                case "Global" -> "GLOBAL";
                case "Namespace" -> "NAMESPACE";
                case "WorkloadSelector" -> "WORKLOAD_SELECTOR";
                default -> throw new InvalidResourceException(path + ".scope: " + in.get("scope") + " is not Global, Namespace or WorkloadSelector");
            });
        }
        if (in.has("action")) {
            out.put("action", switch (text(in, "action", path)) {
                case "Allow" -> "ALLOW";
                case "Deny" -> "DENY";
                default -> throw new InvalidResourceException(path + ".action: " + in.get("action") + " is not Allow or Deny");
            });
        }
        ArrayNode rules = out.putArray("rules");
        int r = 0;
        for (JsonNode rule : array(in, "rules", path)) {
            String rulePath = path + ".rules[" + r++ + "]";
            if (!rule.isArray()) {
                throw new InvalidResourceException(rulePath + ": must be a list of clauses (lists of matches)");
            }
            ArrayNode clauses = rules.addObject().putArray("clauses");
            int c = 0;
            for (JsonNode clause : rule) {
                String clausePath = rulePath + "[" + c++ + "]";
                if (!clause.isArray()) {
                    throw new InvalidResourceException(clausePath + ": must be a list of matches");
                }
                ArrayNode matches = clauses.addObject().putArray("matches");
                int m = 0;
                for (JsonNode match : clause) {
                    matches.add(match(match, clausePath + "[" + m++ + "]"));
                }
            }
        }
        return out;
    }

    private static ObjectNode match(JsonNode in, String path) throws InvalidResourceException {
        if (!in.isObject()) {
            throw new InvalidResourceException(path + ": must be a mapping");
        }
        known((ObjectNode) in, MATCH_KEYS, path);
        ObjectNode out = NODES.objectNode();
        for (String field : new String[] {"namespaces", "notNamespaces", "principals", "notPrincipals"}) {
            if (in.has(field)) {
                ArrayNode list = out.putArray(field);
                for (JsonNode s : array((ObjectNode) in, field, path)) {
                    list.add(stringMatch(s, path + "." + field));
                }
            }
        }
        copy((ObjectNode) in, out, "serviceAccounts", "notServiceAccounts", "destinationPorts", "notDestinationPorts");
        for (String field : new String[] {"sourceIps", "notSourceIps", "destinationIps", "notDestinationIps"}) {
            if (in.has(field)) {
                ArrayNode list = out.putArray(field);
                for (JsonNode cidr : array((ObjectNode) in, field, path)) {
                    String value = cidr.isString() ? cidr.asString() : "";
                    int slash = value.indexOf('/');
                    ObjectNode address = list.addObject().put("address", slash < 0 ? value : value.substring(0, slash));
                    if (slash >= 0) {
                        try {
                            address.put("length", Integer.parseInt(value.substring(slash + 1)));
                        } catch (NumberFormatException e) {
                            throw new InvalidResourceException(path + "." + field + ": " + cidr + " is not ip/length");
                        }
                    }
                }
            }
        }
        return out;
    }

    /** serde's external tagging: {@code {"Exact": "x"}}, {@code {"Prefix": …}}, {@code {"Suffix": …}}, {@code {"Presence": []}}. */
    private static ObjectNode stringMatch(JsonNode in, String path) throws InvalidResourceException {
        if (!in.isObject() || in.size() != 1) {
            throw new InvalidResourceException(path + ": " + in + " is not one of {Exact|Prefix|Suffix: value} or {Presence: []}");
        }
        Map.Entry<String, JsonNode> only = in.properties().iterator().next();
        ObjectNode out = NODES.objectNode();
        switch (only.getKey()) {
            case "Exact", "Prefix", "Suffix" -> {
                if (!only.getValue().isString()) {
                    throw new InvalidResourceException(path + "." + only.getKey() + ": must be a string");
                }
                out.put(only.getKey().toLowerCase(Locale.ROOT), only.getValue().asString());
            }
            case "Presence" -> out.putObject("presence");
            default -> throw new InvalidResourceException(path + ": " + only.getKey() + " is not Exact, Prefix, Suffix or Presence");
        }
        return out;
    }

    /** {@code {"destination": "ns/hostname" | "network/ip", "hboneMtlsPort": 15008}}. */
    private static ObjectNode gateway(JsonNode in, String path) throws InvalidResourceException {
        if (!in.isObject()) {
            throw new InvalidResourceException(path + ": must be {destination, hboneMtlsPort}");
        }
        known((ObjectNode) in, Set.of("destination", "hboneMtlsPort"), path);
        String[] parts = networkAndValue(in.path("destination"), path + ".destination");
        ObjectNode out = NODES.objectNode();
        if (looksLikeIp(parts[1])) {
            out.putObject("address").put("network", parts[0]).put("address", parts[1]);
        } else {
            out.putObject("hostname").put("namespace", parts[0]).put("hostname", parts[1]);
        }
        if (in.has("hboneMtlsPort")) {
            out.set("hboneMtlsPort", in.get("hboneMtlsPort"));
        }
        return out;
    }

    private static boolean looksLikeIp(String value) {
        return value.contains(":") || value.matches("[0-9.]+");
    }

    /** {@code {"80": 8080}} → {@code [{servicePort: 80, targetPort: 8080}]}. */
    private static ArrayNode ports(JsonNode in, String path) throws InvalidResourceException {
        if (!in.isObject()) {
            throw new InvalidResourceException(path + ": must map service port to target port");
        }
        ArrayNode out = NODES.arrayNode();
        Iterator<Map.Entry<String, JsonNode>> it = in.properties().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> p = it.next();
            int servicePort;
            try {
                servicePort = Integer.parseInt(p.getKey());
            } catch (NumberFormatException e) {
                throw new InvalidResourceException(path + ": " + p.getKey() + " is not a port number");
            }
            if (!p.getValue().canConvertToInt()) {
                throw new InvalidResourceException(path + "." + p.getKey() + ": " + p.getValue() + " is not a port number");
            }
            out.addObject().put("servicePort", servicePort).put("targetPort", p.getValue().asInt());
        }
        return out;
    }

    /** {@code network/value}; the network may be empty ({@code /10.0.0.1}). */
    private static String[] networkAndValue(JsonNode in, String path) throws InvalidResourceException {
        String value = in.isString() ? in.asString() : "";
        int slash = value.indexOf('/');
        if (slash < 0 || slash == value.length() - 1) {
            throw new InvalidResourceException(path + ": " + in + " is not network/address or namespace/hostname");
        }
        return new String[] {value.substring(0, slash), value.substring(slash + 1)};
    }

    private static ArrayNode array(ObjectNode in, String field, String path) throws InvalidResourceException {
        JsonNode value = in.path(field);
        if (value.isMissingNode() || value.isNull()) {
            return NODES.arrayNode();
        }
        if (!value.isArray()) {
            throw new InvalidResourceException(path + "." + field + ": must be a list");
        }
        return (ArrayNode) value;
    }

    private static String text(ObjectNode in, String field, String path) throws InvalidResourceException {
        if (!in.get(field).isString()) {
            throw new InvalidResourceException(path + "." + field + ": must be a string");
        }
        return in.get(field).asString();
    }

    private static void copy(ObjectNode in, ObjectNode out, String... fields) {
        for (String field : fields) {
            if (in.has(field)) {
                out.set(field, in.get(field));
            }
        }
    }

    private static void known(ObjectNode in, Set<String> keys, String path) throws InvalidResourceException {
        for (String key : in.propertyNames()) {
            if (!keys.contains(key)) {
                throw new InvalidResourceException(path + ": unknown field " + key);
            }
        }
    }

    private ZtunnelLocalFormat() {
    }
}
