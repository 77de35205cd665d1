/**
 * meshctl, Ambit's istioctl: {@link io.ambit.meshctl.Meshctl} (picocli commands: ztunnel-config, x describe,
 * analyze, explain, waypoint, version) over {@link io.ambit.meshctl.AdminClient} (admin-ui's REST API).
 */
package io.ambit.meshctl;
