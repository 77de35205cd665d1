package io.ambit.xds.translate;

import io.ambit.gatewayapi.v1.ParentReference;

/**
 * One {@code status.parents[]} entry of an HTTPRoute or GRPCRoute, as istiod writes it: the
 * parent as the route names it, the controller, and the {@code Accepted} and {@code ResolvedRefs}
 * conditions ({@code reason} is the Gateway API's: {@code Accepted}, {@code NoMatchingParent},
 * {@code NotAllowedByListeners}, {@code UnsupportedValue}; {@code ResolvedRefs},
 * {@code BackendNotFound}, {@code RefNotPermitted}, {@code InvalidKind}).
 */
public record RouteParentStatus(String kind, String namespace, String name, ParentReference parentRef, String controllerName,
                                boolean accepted, String acceptedReason, String acceptedMessage,
                                boolean resolvedRefs, String resolvedReason, String resolvedMessage) {
}
