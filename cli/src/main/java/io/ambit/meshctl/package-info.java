/**
 * meshctl, Ambit's istioctl: {@link io.ambit.meshctl.Meshctl} (picocli commands: ztunnel-config, x describe,
 * analyze, explain, waypoint, debug waypoint, version) over {@link io.ambit.meshctl.AdminClient} (admin-ui's REST
 * API; the xds-server's debug views for {@code debug}); {@link io.ambit.meshctl.WaypointTables} lays out a
 * waypoint's Envoy resources as istioctl's {@code proxy-config} does.
 */
package io.ambit.meshctl;
