package io.ambit.ca;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * The CA's settings ({@code ambit.ca.*}).
 *
 * @param trustDomain         the trust domain every issued identity belongs to
 * @param meshNamespace       where the mesh runs: the CA's own identity and Kubernetes objects live here
 * @param trustedNodeAccounts {@code namespace/serviceaccount} of node agents that may request a pod's identity
 * @param defaultValidity     lifetime of a certificate when the request names none
 * @param maxValidity         the longest lifetime a request may ask for (at most 90 days)
 * @param maxCsrSize          the largest CSR accepted
 * @param pluginCertsDir      Istio's {@code cacerts} layout; when set, this intermediate signs
 * @param stateDir            local mode: where the self-signed root is kept across restarts
 * @param servingValidity     lifetime of the CA's own serving certificate
 * @param tokenAudience       Kubernetes mode: the audience ServiceAccount tokens must carry
 * @param grpc                the gRPC listener
 * @param local               local mode settings
 * @param controlPlane        the control plane's own identities and DNS names
 */
@Validated
@ConfigurationProperties("ambit.ca")
public record CaProperties(
        @DefaultValue("cluster.local") String trustDomain,
        @DefaultValue("istio-system") String meshNamespace,
        @DefaultValue("istio-system/ztunnel") List<String> trustedNodeAccounts,
        @DefaultValue("24h") Duration defaultValidity,
        @DefaultValue("24h") Duration maxValidity,
        @DefaultValue("64KB") DataSize maxCsrSize,
        Path pluginCertsDir,
        @DefaultValue(".mesh/ca") Path stateDir,
        @DefaultValue("30d") Duration servingValidity,
        @DefaultValue("istio-ca") String tokenAudience,
        @DefaultValue Grpc grpc,
        @DefaultValue Local local,
        @DefaultValue ControlPlane controlPlane) {

    public static final Duration VALIDITY_CEILING = Duration.ofDays(90);

    public CaProperties {
        if (maxValidity.compareTo(VALIDITY_CEILING) > 0) {
            throw new IllegalArgumentException("ambit.ca.max-validity must be at most 90 days, was " + maxValidity);
        }
        if (defaultValidity.compareTo(maxValidity) > 0) {
            throw new IllegalArgumentException("ambit.ca.default-validity (" + defaultValidity
                    + ") exceeds ambit.ca.max-validity (" + maxValidity + ")");
        }
    }

    /**
     * @param address         the address to bind (all interfaces by default)
     * @param port            Istio's CA port
     * @param maxMessageSize  the largest request accepted (a CSR is a few hundred bytes)
     * @param maxMetadataSize the largest metadata (headers) accepted
     */
    public record Grpc(@DefaultValue("0.0.0.0") String address, @DefaultValue("15012") int port,
                       @DefaultValue("256KB") DataSize maxMessageSize, @DefaultValue("16KB") DataSize maxMetadataSize) {
    }

    /**
     * The control plane's servers are addressed by DNS name (Istio's clients check
     * {@code istiod.<ns>.svc} in the server's certificate), so their certificates carry their Service
     * names; workload certificates never carry DNS SANs.
     *
     * @param serviceAccounts accounts in the mesh namespace whose CSRs may ask for DNS SANs (Service
     *                        names of the mesh namespace only)
     * @param clusterDomain   the cluster's DNS domain, for {@code <svc>.<ns>.svc.<domain>}
     * @param istiodAlias     the CA's own certificate also names {@code istiod.<ns>.svc}, for clients
     *                        that reach it as Istio's control plane
     */
    public record ControlPlane(@DefaultValue({"xds-server", "ca-service"}) List<String> serviceAccounts,
                               @DefaultValue("cluster.local") String clusterDomain,
                               @DefaultValue("false") boolean istiodAlias) {
    }

    /**
     * Bootstrap credentials come from owner-only files or the environment, never the command line
     * (where every local user could read them and then obtain any identity of that node).
     *
     * @param nodeTokens        bootstrap credential of each node's ztunnel: node name to bearer token (environment, config file)
     * @param nodeTokenFiles    the same, node name to an owner-only file holding the token ({@code ./mesh up}, the lab)
     * @param configDir         directory of Kubernetes YAML whose Pods say which service accounts run on which node
     * @param serviceTokens     bootstrap credential of each control-plane service: its service account in
     *                          the mesh namespace (e.g. {@code xds-server}) to bearer token; grants only that identity
     * @param serviceTokenFiles the same, service account to an owner-only file
     * @param storeUrl          the xDS server's store API, asked which pods run where (pods applied after start);
     *                          empty to use the config directory alone
     * @param storeTokenFile    over {@code http}: the CA's credential for that API (the xds-server's
     *                          {@code ambit.security.services.ca-service}), an owner-only file; without it the store refuses
     *                          and only the config directory counts. Over {@code https} (the xds-server's mesh HTTP port)
     *                          the CA's own certificate is the credential and no token is needed
     * @param storeServiceAccount over {@code https}: the service account (in the mesh namespace) the store's certificate must name
     */
    public record Local(@DefaultValue Map<String, String> nodeTokens,
                        @DefaultValue Map<String, Path> nodeTokenFiles,
                        @DefaultValue("config/local") Path configDir,
                        @DefaultValue Map<String, String> serviceTokens,
                        @DefaultValue Map<String, Path> serviceTokenFiles,
                        @DefaultValue("http://127.0.0.1:15011") String storeUrl,
                        Path storeTokenFile,
                        @DefaultValue("xds-server") String storeServiceAccount) {

        /** Node name to token, from {@code nodeTokens} and {@code nodeTokenFiles} (a node in both is refused). */
        public Map<String, String> allNodeTokens() {
            return merged("node", nodeTokens, nodeTokenFiles);
        }

        /** Service account to token, from {@code serviceTokens} and {@code serviceTokenFiles}. */
        public Map<String, String> allServiceTokens() {
            return merged("service", serviceTokens, serviceTokenFiles);
        }

        private static Map<String, String> merged(String what, Map<String, String> tokens, Map<String, Path> files) {
            Map<String, String> all = new java.util.TreeMap<>(tokens);
            files.forEach((name, file) -> {
                if (all.put(name, io.ambit.service.security.TokenFiles.read(what + " " + name, file)) != null) {
                    throw new IllegalArgumentException("ambit.ca.local: " + what + " " + name + " has both a token and a token file");
                }
            });
            return all;
        }
    }
}
