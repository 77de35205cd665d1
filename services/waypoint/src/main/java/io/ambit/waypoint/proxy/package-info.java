/**
 * The data path: HBONE tunnels terminated in process, HTTP/1.1 inside them, each request
 * authorized, routed and forwarded over HBONE to an endpoint, with Envoy's local replies.
 */
package io.ambit.waypoint.proxy;
