/**
 * Kubernetes mode's waypoint controller: for each Gateway of a waypoint class (any class whose controller is {@code istio.io/mesh-controller}, and the built-in {@code istio-waypoint}) the
 * xds-server creates and owns a ServiceAccount, Deployment and Service, as istiod's deployment
 * controller does (same names, labels and owner references), updates them when the Gateway
 * changes and removes them with it. Local mode has no such controller: the lab starts waypoint
 * processes itself. Start at {@link io.ambit.xds.waypoint.WaypointController}; what is created is
 * {@link io.ambit.xds.waypoint.WaypointResources}.
 */
package io.ambit.xds.waypoint;
