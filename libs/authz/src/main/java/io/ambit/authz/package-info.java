/**
 * L4 authorization shared by the proxies and the operator surface: {@link io.ambit.authz.AuthorizationParser}
 * reads a translated {@code istio.security.Authorization} into an {@link io.ambit.authz.AuthorizationPolicy};
 * {@link io.ambit.authz.L4Policy#decide} takes an {@link io.ambit.authz.L4Request} and the policies of its
 * destination workload and returns a {@link io.ambit.authz.Decision} naming the policy that decided. The
 * ztunnel enforces it; admin-ui's explainer shows it; neither has its own copy. L7: {@code io.ambit.authz.rbac}
 * (Envoy's RBAC HTTP filter), which the waypoint enforces and the explainer runs for a waypoint hop.
 */
package io.ambit.authz;
