/**
 * The waypoint's xDS configuration: Envoy v3 resources compiled one by one (bad ones NACKed) into
 * the immutable {@link io.ambit.waypoint.config.WaypointSnapshot} the data path reads;
 * {@link io.ambit.waypoint.config.ChainWaiters} holds a tunnel that arrives before the snapshot serving it.
 */
package io.ambit.waypoint.config;
