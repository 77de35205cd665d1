package io.ambit.xds.translate;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.google.protobuf.ByteString;
import io.ambit.proto.workload.GatewayAddress;
import io.ambit.proto.workload.NamespacedHostname;
import io.ambit.proto.workload.NetworkAddress;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;

/**
 * Gateways of a waypoint class ({@link WaypointClasses}: {@code istio-waypoint}, or any class whose
 * controller is {@code istio.io/mesh-controller}) → {@link Waypoint}s: each with the address ztunnel
 * sends its traffic to, or the reason it has none yet (what the control plane writes as the
 * Gateway's {@code Programmed} condition).
 *
 * <p>The address, in this order:
 * <ol>
 * <li>the cluster IP of the Service named after the Gateway in its namespace: the Service Istio's
 *     deployment controller creates for a waypoint. (Istio itself reads only {@code status.addresses},
 *     which that controller fills from the same Service; reading the Service directly lets a
 *     waypoint work in local mode, where nothing writes status.)</li>
 * <li>{@code status.addresses}: a {@code Hostname} entry first (Istio prefers it: hostnames do not
 *     get re-allocated), sent as a namespaced hostname; else the first {@code IPAddress} entry
 *     (the default type) that is an IP literal.</li>
 * </ol>
 * Always port 15008 for HBONE, as Istio hard-codes it. The network of the address is the
 * cluster's own (empty): Ambit does not model multiple networks yet.
 *
 * <p>{@code istio.io/waypoint-for} on the Gateway: {@code service} (the default), {@code workload},
 * {@code all}, {@code none}; any other value serves nothing and is reported. Without it, the
 * GatewayClass's label of the same name, as Istio.
 */
public final class WaypointTranslator {

    /** How {@link Waypoint#notProgrammed()} starts when the Gateway itself does not read. */
    public static final String INVALID = "invalid Gateway: ";

    private WaypointTranslator() {
    }

    public static Translated<Waypoint> waypoints(MeshInputs inputs) {
        List<Waypoint> waypoints = new ArrayList<>();
        List<Finding> findings = new ArrayList<>();
        WaypointClasses classes = inputs.waypointClasses();
        for (GenericKubernetesResource gateway : inputs.gateways()) {
            String namespace = gateway.getMetadata().getNamespace();
            String name = gateway.getMetadata().getName();
            try {
                if (!classes.isWaypoint(gateway)) {
                    continue;
                }
                Waypoint waypoint = waypoint(inputs, gateway, classes.defaultTrafficType(gatewayClass(gateway)), findings);
                if (!waypoint.programmed()) {
                    findings.add(new Finding("Gateway", namespace, name, "waypoint is not programmed: " + waypoint.notProgrammed()));
                }
                waypoints.add(waypoint);
            } catch (IllegalArgumentException e) {
                findings.add(new Finding("Gateway", namespace, name, e.getMessage() + "; waypoint not programmed"));
                waypoints.add(new Waypoint(namespace, name, Waypoint.TrafficType.NONE, null, INVALID + e.getMessage(),
                        "Same", Map.of()));
            }
        }
        return new Translated<>(waypoints, findings);
    }

    static String gatewayClass(GenericKubernetesResource gateway) {
        Object spec = gateway.getAdditionalProperties().get("spec");
        return spec instanceof Map<?, ?> m && m.get("gatewayClassName") instanceof String s ? s : "";
    }

    private static Waypoint waypoint(MeshInputs inputs, GenericKubernetesResource gateway, Optional<String> classTrafficType,
            List<Finding> findings) {
        String namespace = gateway.getMetadata().getNamespace();
        String name = gateway.getMetadata().getName();
        SpecReader spec = SpecReader.of(gateway.getAdditionalProperties().get("spec"), "spec");

        String trafficLabel = Optional.ofNullable(Labels.of(gateway).get(Labels.WAYPOINT_FOR)).or(() -> classTrafficType).orElse(null);
        Waypoint.TrafficType trafficType = Waypoint.TrafficType.SERVICE;
        if (trafficLabel != null) {
            trafficType = switch (trafficLabel) {
                case "service" -> Waypoint.TrafficType.SERVICE;
                case "workload" -> Waypoint.TrafficType.WORKLOAD;
                case "all" -> Waypoint.TrafficType.ALL;
                case "none" -> Waypoint.TrafficType.NONE;
                default -> {
                    findings.add(new Finding("Gateway", namespace, name, "unknown " + Labels.WAYPOINT_FOR + " value '"
                            + trafficLabel + "' (service, workload, all or none); it serves no traffic"));
                    yield Waypoint.TrafficType.NONE;
                }
            };
        }

        // Attachment follows the HBONE listener (port 15008, protocol HBONE); without one, Same namespace (as Istio).
        String from = "Same";
        Map<String, String> selector = Map.of();
        for (SpecReader listener : spec.objects("listeners")) {
            if ("HBONE".equals(listener.string("protocol")) && listener.integer("port", 0) == Waypoint.HBONE_PORT) {
                SpecReader namespaces = listener.object("allowedRoutes").object("namespaces");
                from = namespaces.string("from", "Same");
                if (!List.of("Same", "All", "Selector").contains(from)) {
                    throw new IllegalArgumentException(namespaces.path("from") + ": unknown value " + from);
                }
                Map<String, String> matchLabels = namespaces.object("selector").stringMap("matchLabels");
                selector = matchLabels == null ? Map.of() : matchLabels;
                break;
            }
        }

        Optional<GatewayAddress> address = serviceAddress(inputs, namespace, name);
        if (address.isEmpty()) {
            address = statusAddress(gateway);
        }
        String reason = address.isPresent() ? ""
                : "no Service " + namespace + "/" + name + " with a cluster IP, and no address in the Gateway's status";
        return new Waypoint(namespace, name, trafficType, address.orElse(null), reason, from, selector);
    }

    private static Optional<GatewayAddress> serviceAddress(MeshInputs inputs, String namespace, String name) {
        return inputs.services().stream()
                .filter(s -> namespace.equals(s.getMetadata().getNamespace()) && name.equals(s.getMetadata().getName()))
                .findFirst()
                .flatMap(s -> ServiceTranslator.clusterIps(s).stream().filter(IpLiteral::is).findFirst())
                .map(WaypointTranslator::ipAddress);
    }

    private static Optional<GatewayAddress> statusAddress(GenericKubernetesResource gateway) {
        List<SpecReader> addresses = SpecReader.of(gateway.getAdditionalProperties().get("status"), "status").objects("addresses");
        for (SpecReader address : addresses) {
            if ("Hostname".equals(address.string("type")) && !address.string("value", "").isEmpty()) {
                return Optional.of(GatewayAddress.newBuilder()
                        .setHostname(NamespacedHostname.newBuilder()
                                .setNamespace(gateway.getMetadata().getNamespace()).setHostname(address.string("value")))
                        .setHboneMtlsPort(Waypoint.HBONE_PORT).build());
            }
        }
        for (SpecReader address : addresses) {
            if ("IPAddress".equals(address.string("type", "IPAddress")) && IpLiteral.is(address.string("value"))) {
                return Optional.of(ipAddress(address.string("value")));
            }
        }
        return Optional.empty();
    }

    private static GatewayAddress ipAddress(String ip) {
        return GatewayAddress.newBuilder()
                .setAddress(NetworkAddress.newBuilder().setNetwork("").setAddress(ByteString.copyFrom(IpLiteral.bytes(ip))))
                .setHboneMtlsPort(Waypoint.HBONE_PORT)
                .build();
    }
}
