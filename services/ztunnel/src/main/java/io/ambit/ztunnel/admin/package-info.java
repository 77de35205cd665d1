/**
 * ztunnel's admin endpoint on 127.0.0.1:15000 ({@code ambit.ztunnel.admin-port}), as Istio's
 * ztunnel has: {@link io.ambit.ztunnel.admin.AdminServer} (the JDK's HTTP server, read-only, GET
 * only) serving what {@link io.ambit.ztunnel.admin.ConfigDump} builds: {@code /config_dump} (state
 * generation, workloads, services, policies, certificates) and {@code /certs}.
 */
package io.ambit.ztunnel.admin;
