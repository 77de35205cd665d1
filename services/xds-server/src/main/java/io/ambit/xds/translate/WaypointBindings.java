package io.ambit.xds.translate;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import io.ambit.proto.workload.GatewayAddress;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;

/**
 * Which waypoint an object uses, as Istio's ambient index decides it:
 * <ol>
 * <li>{@code istio.io/use-waypoint} on the object itself wins; {@code none} opts it out, even if
 *     its namespace names a waypoint. {@code istio.io/use-waypoint-namespace} on the same object
 *     names the waypoint's namespace (default: the object's).</li>
 * <li>Else the same labels on the object's Namespace.</li>
 * <li>The named waypoint must exist, be a Gateway of a waypoint class ({@link WaypointClasses}), have an address and
 *     admit the object's namespace (its HBONE listener's {@code allowedRoutes}). If not, the object
 *     gets no waypoint (Istio does not fall back to the namespace's waypoint either) and a
 *     {@link Finding} goes to the object that carries the label.</li>
 * <li>A service uses it only if it serves {@code service} or {@code all} traffic, a workload only
 *     if {@code workload} or {@code all}. A mismatch is reported only when the object's own label
 *     chose the waypoint: a namespace-wide waypoint for services is not a mistake for its pods.</li>
 * </ol>
 */
final class WaypointBindings {

    enum Target { SERVICE, WORKLOAD }

    private final MeshInputs inputs;
    private final Map<String, Waypoint> waypoints = new HashMap<>();
    private final Map<String, String> gatewayClasses = new HashMap<>();
    private final WaypointClasses waypointClasses;

    WaypointBindings(MeshInputs inputs, Collection<Waypoint> waypoints) {
        this.inputs = inputs;
        this.waypointClasses = inputs.waypointClasses();
        waypoints.forEach(w -> this.waypoints.put(w.resourceName(), w));
        for (GenericKubernetesResource gateway : inputs.gateways()) {
            gatewayClasses.put(gateway.getMetadata().getNamespace() + "/" + gateway.getMetadata().getName(),
                    WaypointTranslator.gatewayClass(gateway));
        }
    }

    static WaypointBindings of(MeshInputs inputs) {
        return new WaypointBindings(inputs, WaypointTranslator.waypoints(inputs).resources());
    }

    /** A waypoint's own pods carry its name in {@code gateway.networking.k8s.io/gateway-name}. */
    boolean isWaypointInstance(String namespace, Map<String, String> labels) {
        String gateway = labels.get(Labels.GATEWAY_NAME);
        return gateway != null && waypointClasses.isWaypointClass(gatewayClasses.get(namespace + "/" + gateway));
    }

    /** The Service that gives a waypoint its address: sending it through a waypoint would loop. */
    boolean isWaypointService(String namespace, String name) {
        return waypointClasses.isWaypointClass(gatewayClasses.get(namespace + "/" + name));
    }

    /**
     * The waypoint address for the object {@code kind namespace/name} (named in findings), whose
     * {@code labels} may carry {@code istio.io/use-waypoint}; empty if it uses none.
     */
    Optional<GatewayAddress> resolve(Target target, String kind, String namespace, String name, Map<String, String> labels,
            Collection<Finding> findings) {
        String useWaypoint = labels.get(Labels.USE_WAYPOINT);
        if (useWaypoint != null) {
            if (Labels.NONE.equals(useWaypoint)) {
                return Optional.empty();
            }
            String waypointNamespace = labels.getOrDefault(Labels.USE_WAYPOINT_NAMESPACE, namespace);
            return bind(target, new Finding(kind, namespace, name, ""), namespace, waypointNamespace + "/" + useWaypoint, true, findings);
        }
        var ns = inputs.namespace(namespace);
        if (ns.isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> nsLabels = Labels.of(ns.get());
        String nsWaypoint = nsLabels.get(Labels.USE_WAYPOINT);
        if (nsWaypoint == null || Labels.NONE.equals(nsWaypoint)) {
            return Optional.empty();
        }
        String waypointNamespace = nsLabels.getOrDefault(Labels.USE_WAYPOINT_NAMESPACE, namespace);
        return bind(target, new Finding("Namespace", "", namespace, ""), namespace, waypointNamespace + "/" + nsWaypoint, false, findings);
    }

    private Optional<GatewayAddress> bind(Target target, Finding subject, String fromNamespace, String waypointName,
            boolean explicit, Collection<Finding> findings) {
        Waypoint waypoint = waypoints.get(waypointName);
        if (waypoint == null) {
            String gatewayClass = gatewayClasses.get(waypointName);
            findings.add(about(subject, gatewayClass == null
                    ? "waypoint " + waypointName + " does not exist (no Gateway of that name); traffic does not use a waypoint"
                    : "Gateway " + waypointName + " is not a waypoint (gatewayClassName '" + gatewayClass + "', want one of "
                            + waypointClasses.names() + " or a GatewayClass with controllerName "
                            + io.ambit.gatewayapi.v1.GatewayClassSpec.MESH_CONTROLLER + "); traffic does not use a waypoint"));
            return Optional.empty();
        }
        if (!waypoint.programmed()) {
            findings.add(about(subject, "waypoint " + waypointName + " has no address yet (" + waypoint.notProgrammed()
                    + "); traffic does not use a waypoint"));
            return Optional.empty();
        }
        if (!waypoint.allowsFrom(inputs, fromNamespace)) {
            findings.add(about(subject, "waypoint " + waypointName + " does not allow attachment from namespace " + fromNamespace
                    + " (allowedRoutes.namespaces.from: " + waypoint.allowedFrom() + " on its HBONE listener)"));
            return Optional.empty();
        }
        boolean serves = target == Target.SERVICE ? waypoint.trafficType().servesServices() : waypoint.trafficType().servesWorkloads();
        if (!serves) {
            if (explicit) {
                findings.add(about(subject, "waypoint " + waypointName + " serves " + waypoint.trafficType().label()
                        + " traffic, not " + target.name().toLowerCase(java.util.Locale.ROOT) + " traffic ("
                        + Labels.WAYPOINT_FOR + "); " + target.name().toLowerCase(java.util.Locale.ROOT)
                        + " traffic does not use it"));
            }
            return Optional.empty();
        }
        return Optional.of(waypoint.address());
    }

    private static Finding about(Finding subject, String message) {
        return new Finding(subject.kind(), subject.namespace(), subject.name(), message);
    }
}
