/**
 * Gateway API {@code gateway.networking.k8s.io} v1 (and v1beta1, the same schema) as strict
 * records: {@link io.ambit.gatewayapi.v1.GatewaySpec}, {@link io.ambit.gatewayapi.v1.HTTPRouteSpec},
 * {@link io.ambit.gatewayapi.v1.GRPCRouteSpec}, {@link io.ambit.gatewayapi.v1.ReferenceGrantSpec}.
 * Field names follow upstream's {@code apis/v1/*_types.go} json tags; enums hold exactly the
 * values upstream defines, so an unknown field or value fails binding with its path
 * ({@link io.ambit.gatewayapi.istio.IstioSpecs#bind}). The compact constructors check the CRDs'
 * structural rules that a type cannot express (a filter's type names the field that is set, path
 * values start with {@code /}, ranges); CEL rules that need the whole route are left to translation.
 */
package io.ambit.gatewayapi.v1;
