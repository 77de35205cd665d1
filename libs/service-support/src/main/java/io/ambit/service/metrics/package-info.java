/**
 * Metrics as Istio's tools expect them: {@link io.ambit.service.metrics.IstioScrapeConfiguration}
 * serves Prometheus text on Istio's scrape paths ({@code /metrics}, {@code /stats/prometheus}) on the
 * management port; {@link io.ambit.service.metrics.AppTagFilter} labels Ambit's own meters with the
 * service name but leaves Istio's {@code istio_*} series with exactly Istio's labels;
 * {@link io.ambit.service.metrics.IstioSum} is a counter under istiod's exact name (no {@code _total}).
 */
package io.ambit.service.metrics;
