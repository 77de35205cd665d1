/**
 * The waypoint's xDS configuration: Envoy v3 resources compiled one by one (bad ones NACKed) into
 * the immutable {@link io.ambit.waypoint.config.WaypointSnapshot} the data path reads.
 */
package io.ambit.waypoint.config;
