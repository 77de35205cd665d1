/**
 * The translated resources the xDS server serves, per type URL, with content-derived versions:
 * ztunnel's types for every client and, per scope ({@link io.ambit.xds.state.EnvoyResources}: one
 * waypoint, or proxyless gRPC clients), the Envoy types; and the difference between two
 * generations: the names a push reconsiders. Starting point: {@link io.ambit.xds.state.XdsState}.
 */
package io.ambit.xds.state;
