package io.ambit.waypoint;

import java.nio.file.Path;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The waypoint's settings ({@code ambit.waypoint.*}).
 *
 * @param enabled        start the data path and its control-plane sessions (off: the process only serves health and metrics)
 * @param namespace      the waypoint's namespace (its Gateway's)
 * @param serviceAccount the waypoint's service account: its identity {@code spiffe://<td>/ns/<namespace>/sa/<serviceAccount>}
 * @param podName        this instance's pod name (the xDS node id)
 * @param podIp          this instance's IP (the xDS node id)
 * @param trustDomain    the mesh's trust domain
 * @param clusterDomain  the cluster's DNS domain
 * @param meshNamespace  where the control plane runs (the CA's and xDS server's identities)
 * @param caAddress      ca-service's gRPC address
 * @param xdsAddress     xds-server's delta ADS address
 * @param bundleFile     the mesh roots as PEM; when unset, {@code bundleUrl}
 * @param bundleUrl      local mode: the CA's bundle endpoint on loopback
 * @param tokenFile      the bearer token proving the waypoint's identity to the CA
 * @param certificateValidity lifetime asked for
 * @param hboneAddress   where the HBONE server listens (Istio: 15008 on all addresses)
 * @param upstreamHbonePort the HBONE port of endpoints' nodes (15008)
 * @param podNetns       the lab: the named network namespace ({@code ip netns}) of the waypoint's pod; when set, the
 *                       HBONE listener and every upstream HBONE connection are made inside it (as ztunnel's in-pod
 *                       sockets), while the CA and xDS connections leave from the process's own namespace (needs root)
 * @param nodeCredential the lab and local mode: {@code tokenFile} holds the bootstrap credential of the node the
 *                       waypoint's pod runs on, so the certificate is asked for by impersonation, which the CA grants
 *                       only because a pod with the waypoint's service account runs on that node (its node rule)
 */
@ConfigurationProperties("ambit.waypoint")
public record WaypointProperties(
        @DefaultValue("false") boolean enabled,
        @DefaultValue("default") String namespace,
        @DefaultValue("waypoint") String serviceAccount,
        @DefaultValue("waypoint") String podName,
        @DefaultValue("127.0.0.1") String podIp,
        @DefaultValue("cluster.local") String trustDomain,
        @DefaultValue("cluster.local") String clusterDomain,
        @DefaultValue("istio-system") String meshNamespace,
        @DefaultValue("127.0.0.1:15012") String caAddress,
        @DefaultValue("127.0.0.1:15010") String xdsAddress,
        Path bundleFile,
        @DefaultValue("http://127.0.0.1:15014/ca/root-cert.pem") String bundleUrl,
        @DefaultValue(".mesh/tokens/waypoint") Path tokenFile,
        @DefaultValue("24h") Duration certificateValidity,
        @DefaultValue("0.0.0.0:15008") String hboneAddress,
        @DefaultValue("15008") int upstreamHbonePort,
        String podNetns,
        @DefaultValue("false") boolean nodeCredential) {
}
