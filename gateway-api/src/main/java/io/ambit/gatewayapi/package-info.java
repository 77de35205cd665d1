/**
 * Gateway API and Istio resource model, validation, and the translation from HTTPRoute/GRPCRoute
 * to the waypoint's route tables. Empty until the waypoint issue: the module exists now so that the
 * dependency direction (services depend on it, it depends on no service) is fixed from the start.
 */
package io.ambit.gatewayapi;
