/**
 * Gateway API and Istio resource model, validation, and the translation from HTTPRoute/GRPCRoute
 * to Envoy route tables: Istio's security resources as strict models
 * ({@link io.ambit.gatewayapi.istio}), the Gateway API kinds ({@link io.ambit.gatewayapi.v1}), and
 * rules → ordered Envoy routes ({@link io.ambit.gatewayapi.envoy.RouteConverter},
 * {@link io.ambit.gatewayapi.envoy.RankedRoute}).
 */
package io.ambit.gatewayapi;
