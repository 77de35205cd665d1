/** Istio's standard request metrics ({@code reporter="waypoint"}) and the per-request access log. */
package io.ambit.waypoint.telemetry;
