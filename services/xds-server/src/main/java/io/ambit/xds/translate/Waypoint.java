package io.ambit.xds.translate;

import java.util.Map;

import io.ambit.proto.workload.GatewayAddress;

/**
 * A Gateway of class {@code istio-waypoint}, as translation sees it.
 *
 * @param trafficType     from the Gateway's {@code istio.io/waypoint-for} label
 * @param address         where ztunnel sends traffic for it; null until it is programmed
 * @param notProgrammed   why it has no address (empty once it has one): what the control plane
 *                        writes as the reason of the Gateway's {@code Programmed=False} condition
 * @param allowedFrom     its HBONE listener's {@code allowedRoutes.namespaces.from}: Same, All or Selector
 * @param allowedSelector {@code allowedRoutes.namespaces.selector.matchLabels} when {@code allowedFrom} is Selector
 */
public record Waypoint(String namespace, String name, TrafficType trafficType, GatewayAddress address,
                       String notProgrammed, String allowedFrom, Map<String, String> allowedSelector) {

    public static final String GATEWAY_CLASS = "istio-waypoint";
    public static final int HBONE_PORT = 15008;

    /** What a waypoint handles: traffic addressed to services, to workloads, both, or neither. */
    public enum TrafficType {
        SERVICE, WORKLOAD, ALL, NONE;

        boolean servesServices() {
            return this == SERVICE || this == ALL;
        }

        boolean servesWorkloads() {
            return this == WORKLOAD || this == ALL;
        }

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public Waypoint {
        allowedSelector = allowedSelector == null ? Map.of() : Map.copyOf(allowedSelector);
    }

    public boolean programmed() {
        return address != null;
    }

    public String resourceName() {
        return namespace + "/" + name;
    }

    /** Gateway API attachment rule of the HBONE listener: may an object of {@code namespace} use it? */
    boolean allowsFrom(MeshInputs inputs, String namespace) {
        return switch (allowedFrom) {
            case "All" -> true;
            case "Selector" -> inputs.namespace(namespace)
                    .map(ns -> allowedSelector.entrySet().stream().allMatch(e -> e.getValue().equals(Labels.of(ns).get(e.getKey()))))
                    .orElse(false);
            default -> this.namespace.equals(namespace);
        };
    }
}
