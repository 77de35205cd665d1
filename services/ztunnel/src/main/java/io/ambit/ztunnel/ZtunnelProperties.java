package io.ambit.ztunnel;

import java.nio.file.Path;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * ztunnel's settings ({@code ambit.ztunnel.*}).
 *
 * @param node          the node this ztunnel serves (Kubernetes: the downward API's node name)
 * @param trustDomain   the mesh's trust domain
 * @param meshNamespace where the control plane runs (its identities)
 * @param caAddress     ca-service's gRPC address
 * @param xdsAddress    xds-server's delta ADS address
 * @param bundleFile    the mesh roots as PEM (Kubernetes: the mounted istio-ca-root-cert); when unset, {@code bundleUrl}
 * @param bundleUrl     local mode: the CA's bundle endpoint on loopback
 * @param tokenFile     the bearer token proving this node agent to the CA (local mode: the node's bootstrap token)
 * @param certificateValidity lifetime asked for, for its own and the pods' certificates
 * @param localConfig   when set, the workloads, services and policies come from this YAML file (reloaded when it changes)
 *                      instead of the xDS server, as Istio ztunnel's {@code LOCAL_XDS_PATH}; certificates still come from the CA
 * @param adminPort     the admin endpoint ({@code /config_dump}, {@code /certs}), on 127.0.0.1 only; 0 picks a free port
 * @param xdsAuth       how it proves itself on the ADS channel: its own certificate (mutual TLS, the default), or as
 *                      Istio's ztunnel does, the {@code tokenFile}'s bearer token on TLS without a client certificate
 */
@ConfigurationProperties("ambit.ztunnel")
public record ZtunnelProperties(
        @DefaultValue("node-a") String node,
        @DefaultValue("cluster.local") String trustDomain,
        @DefaultValue("istio-system") String meshNamespace,
        @DefaultValue("127.0.0.1:15012") String caAddress,
        @DefaultValue("127.0.0.1:15010") String xdsAddress,
        Path bundleFile,
        @DefaultValue("http://127.0.0.1:15014/ca/root-cert.pem") String bundleUrl,
        @DefaultValue(".mesh/tokens/node-a") Path tokenFile,
        @DefaultValue("24h") Duration certificateValidity,
        Path localConfig,
        @DefaultValue("15000") int adminPort,
        @DefaultValue("certificate") XdsAuth xdsAuth) {

    /** The ADS channel's client credential. */
    public enum XdsAuth {
        /** Mutual TLS with this node agent's own SVID ({@code <mesh ns>/ztunnel}). */
        CERTIFICATE,
        /** Istio's: {@code authorization: Bearer <projected istio-ca token>} and {@code clusterid}, no client certificate. */
        TOKEN
    }
}
