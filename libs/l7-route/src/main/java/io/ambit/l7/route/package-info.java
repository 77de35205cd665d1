/**
 * Envoy RouteConfiguration semantics, shared so that two users cannot drift: the waypoint routes
 * every request with it, and admin-ui's explainer answers "which route rule would this request
 * take" with it. A {@link io.ambit.l7.route.RouteTable} chooses a virtual host by authority and
 * the first matching route (path exact/prefix/separated-prefix/regex, headers, query parameters;
 * the translator already orders routes by Gateway API precedence); a
 * {@link io.ambit.l7.route.CompiledRoute} holds its action (weighted clusters, redirect, direct
 * response), rewrites, header changes, timeout, {@link io.ambit.l7.route.RetryPolicy retries},
 * {@link io.ambit.l7.route.FaultPolicy faults} and mirrors. What cannot be honoured is a
 * {@link io.ambit.l7.route.RouteConfigException} at compile time.
 */
package io.ambit.l7.route;
