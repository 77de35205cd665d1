package io.ambit.xds.translate;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.ambit.gatewayapi.v1.GatewayClassSpec;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;

/**
 * Which Gateways are waypoints, as Istio decides it: a Gateway whose GatewayClass names Istio's
 * mesh controller ({@code spec.controllerName: istio.io/mesh-controller}; istio/istio
 * {@code pilot/pkg/config/kube/gatewaycommon/classinfo.go}), of any class name. The built-in
 * {@code istio-waypoint} class is a waypoint class even when no GatewayClass object exists (istiod
 * creates that object itself; in local mode nothing does). A GatewayClass's
 * {@code istio.io/waypoint-for} label is the default traffic type of its Gateways (the Gateway's
 * own label wins), as in istiod's {@code gatewayToWaypointTransform}.
 */
public final class WaypointClasses {

    private static final WaypointClasses BUILT_IN = new WaypointClasses(Map.of(Waypoint.GATEWAY_CLASS, Optional.empty()));

    /** Waypoint class name → its default {@code istio.io/waypoint-for}, if it sets one. */
    private final Map<String, Optional<String>> classes;

    private WaypointClasses(Map<String, Optional<String>> classes) {
        this.classes = Map.copyOf(classes);
    }

    /** The built-in class only (no GatewayClass objects). */
    public static WaypointClasses builtIn() {
        return BUILT_IN;
    }

    public static WaypointClasses of(List<GenericKubernetesResource> gatewayClasses) {
        if (gatewayClasses.isEmpty()) {
            return BUILT_IN;
        }
        Map<String, Optional<String>> classes = new HashMap<>(BUILT_IN.classes);
        for (GenericKubernetesResource gatewayClass : gatewayClasses) {
            if (gatewayClass.getAdditionalProperties().get("spec") instanceof Map<?, ?> spec
                    && GatewayClassSpec.MESH_CONTROLLER.equals(spec.get("controllerName"))) {
                classes.put(gatewayClass.getMetadata().getName(), Optional.ofNullable(Labels.of(gatewayClass).get(Labels.WAYPOINT_FOR)));
            }
        }
        return new WaypointClasses(classes);
    }

    public boolean isWaypointClass(String className) {
        return className != null && classes.containsKey(className);
    }

    public boolean isWaypoint(GenericKubernetesResource gateway) {
        return isWaypointClass(WaypointTranslator.gatewayClass(gateway));
    }

    /** The class's {@code istio.io/waypoint-for}, when it is a waypoint class that sets one. */
    public Optional<String> defaultTrafficType(String className) {
        return classes.getOrDefault(className, Optional.empty());
    }

    /** For messages: the waypoint classes known. */
    public List<String> names() {
        return classes.keySet().stream().sorted().toList();
    }
}
