/**
 * Envoy's RBAC HTTP filter ({@code envoy.filters.http.rbac}) and the string and header matchers it
 * uses, compiled once and evaluated per request: L7 authorization as the waypoint enforces it.
 * Shared so that admin-ui's explainer decides a waypoint hop with the waypoint's own code.
 */
package io.ambit.authz.rbac;
