/**
 * Serving over ADS: the gRPC listener with mutual TLS ({@link io.ambit.xds.ads.AdsServer}), the
 * aggregated discovery service ({@link io.ambit.xds.ads.AdsService}) with its delta streams
 * ({@link io.ambit.xds.ads.AdsConnection}: ztunnel's types, and the Envoy types) and
 * state-of-the-world streams ({@link io.ambit.xds.ads.SotwConnection}: the Envoy types), who may
 * see which Envoy resources ({@link io.ambit.xds.ads.EnvoyClient}: node id and SPIFFE identity),
 * the checks every request passes first ({@link io.ambit.xds.ads.RequestLimits}), and the
 * per-client view the debug endpoint shows.
 */
package io.ambit.xds.ads;
