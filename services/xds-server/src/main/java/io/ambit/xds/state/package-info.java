/**
 * The translated resources the xDS server serves, per type URL, with content-derived versions,
 * and the difference between two generations: what a delta-ADS push sends. Starting point:
 * {@link io.ambit.xds.state.XdsState}.
 */
package io.ambit.xds.state;
