package io.ambit.gatewayapi.v1;

/**
 * {@code GatewayClass.spec} (apis/v1/gatewayclass_types.go). Istio marks a waypoint class by its
 * controller: {@code controllerName: istio.io/mesh-controller} ({@code pkg/config/constants}
 * {@code ManagedGatewayMeshController}), as its built-in {@code istio-waypoint} class does.
 *
 * @param controllerName the controller that manages Gateways of this class (a domain-prefixed path)
 * @param parametersRef  class parameters (not read by Ambit; kept so a valid class binds)
 * @param description    free text
 */
public record GatewayClassSpec(String controllerName, ParametersReference parametersRef, String description) {

    /** Istio's waypoint controller. */
    public static final String MESH_CONTROLLER = "istio.io/mesh-controller";

    public GatewayClassSpec {
        Checks.required(controllerName, "controllerName");
        if (controllerName.length() > 253 || !controllerName.contains("/")) {
            throw new IllegalArgumentException("controllerName: a domain-prefixed path of at most 253 characters, was '"
                    + (controllerName.length() > 64 ? controllerName.substring(0, 64) + "…" : controllerName) + "'");
        }
    }

    public record ParametersReference(String group, String kind, String name, String namespace) {
        public ParametersReference {
            Checks.required(group == null ? null : "set", "group");
            Checks.required(kind, "kind");
            Checks.required(name, "name");
        }
    }
}
