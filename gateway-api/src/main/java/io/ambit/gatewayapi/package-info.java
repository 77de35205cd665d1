/**
 * Gateway API and Istio resource model, validation, and (with the waypoint issue) the translation
 * from HTTPRoute/GRPCRoute to the waypoint's route tables. Today: Istio's security resources as
 * strict models ({@link io.ambit.gatewayapi.istio}).
 */
package io.ambit.gatewayapi;
