package io.ambit.xds.translate;

/**
 * The {@code WaypointAccepted} condition of an AuthorizationPolicy with {@code targetRefs}, as
 * istiod's ambient index computes it ({@code pilot/pkg/serviceregistry/ambient/policies.go},
 * {@code flattenConditions}): {@code Accepted} "bound to ns/waypoint"; {@code TargetNotFound};
 * {@code AncestorNotBound} for a Service without a waypoint; with several targets,
 * {@code PartiallyInvalid} or {@code Invalid} naming the unbound ones. Ambit appends what it could
 * not enforce (its fail-closed findings) to the message.
 */
public record WaypointPolicyStatus(String namespace, String name, boolean bound, String reason, String message) {
}
