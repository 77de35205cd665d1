/**
 * Istio's standard request metrics ({@code reporter="waypoint"}) and the per-request access log,
 * written off the event loop by one writer thread from a bounded queue ({@link io.ambit.waypoint.telemetry.AccessLog}).
 */
package io.ambit.waypoint.telemetry;
