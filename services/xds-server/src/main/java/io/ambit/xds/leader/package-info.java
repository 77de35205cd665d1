/**
 * One writer among the xds-server's replicas: {@link io.ambit.xds.leader.WriterLease} holds a
 * Kubernetes Lease and runs the hooks that write to the API server (status, waypoint controller) only
 * while it holds it. Kubernetes mode only; local mode has one process and no API server.
 */
package io.ambit.xds.leader;
