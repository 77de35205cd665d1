/**
 * The traffic graph from the proxies' own metrics: {@link io.ambit.admin.metrics.Scraper} scrapes each
 * Prometheus page (the ztunnels', and the waypoints' that {@link io.ambit.admin.metrics.WaypointTargets}
 * finds in the store each round), {@link io.ambit.admin.metrics.PrometheusText} reads the exposition format, and
 * {@link io.ambit.admin.metrics.TrafficGraph} turns two rounds into nodes and edges with rates, error
 * rate, bytes and mTLS share.
 */
package io.ambit.admin.metrics;
