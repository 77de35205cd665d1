/** Envoy's RBAC HTTP filter: L7 authorization of a request against the policies the control plane translated. */
package io.ambit.waypoint.rbac;
