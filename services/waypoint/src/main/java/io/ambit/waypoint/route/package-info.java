/** Envoy RouteConfiguration semantics: virtual host choice, route matching, actions, retries, header changes. */
package io.ambit.waypoint.route;
