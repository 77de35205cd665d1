/**
 * Istio's security resources as strict models: the {@code spec} of {@code security.istio.io/v1}
 * AuthorizationPolicy and PeerAuthentication, field for field as Istio's API defines them, so
 * that a misspelt field or an unknown enum value is refused instead of silently ignored (a typo in
 * a DENY rule must never widen access). Bound with unknown properties failing.
 */
package io.ambit.gatewayapi.istio;
