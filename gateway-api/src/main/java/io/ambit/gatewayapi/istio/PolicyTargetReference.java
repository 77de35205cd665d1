package io.ambit.gatewayapi.istio;

/** {@code targetRef(s)}: a Gateway or Service a policy attaches to (waypoint policies). */
public record PolicyTargetReference(String group, String kind, String name, String namespace) {
}
