/**
 * ztunnel's admin endpoint on 127.0.0.1:15000 ({@code ambit.ztunnel.admin-port}), as Istio's
 * ztunnel has: {@link io.ambit.ztunnel.admin.AdminServer} (the JDK's HTTP server, read-only, GET
 * only) serving what {@link io.ambit.ztunnel.admin.ConfigDump} builds: {@code /config_dump} in Istio
 * ztunnel's JSON shape ({@link io.ambit.ztunnel.admin.ZtunnelJson}: workloads, services, policies,
 * certificates; plus Ambit's generation and capture) and {@code /certs} (the certificates alone).
 */
package io.ambit.ztunnel.admin;
