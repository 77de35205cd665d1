package io.ambit.xds;

import java.nio.file.Path;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The xDS server's settings ({@code ambit.xds.*}).
 *
 * @param trustDomain   the mesh's trust domain
 * @param meshNamespace where the control plane runs (its identities and the root namespace for policy)
 * @param debounce      how long changes are gathered before one translation and push (0 allowed)
 * @param grpc          the delta ADS listener
 * @param identity      how the server obtains its own certificate
 * @param meshHttp      the HTTP API over mutual TLS for other control-plane services
 */
@ConfigurationProperties("ambit.xds")
public record XdsProperties(
        @DefaultValue("cluster.local") String trustDomain,
        @DefaultValue("istio-system") String meshNamespace,
        @DefaultValue("100ms") Duration debounce,
        @DefaultValue Grpc grpc,
        @DefaultValue Identity identity,
        @DefaultValue MeshHttp meshHttp) {

    public XdsProperties {
        if (debounce.isNegative()) {
            throw new IllegalArgumentException("ambit.xds.debounce must not be negative, was " + debounce);
        }
    }

    /**
     * @param address        address to bind
     * @param port           Istio's xDS port
     * @param maxMessageSize the largest request accepted (a reconnect's initial_resource_versions for a big mesh fits)
     * @param caForwarding   also serve {@code IstioCertificateService} on this port, forwarded to ca-service
     *                       ({@code identity.ca-address}) with the caller's bearer token: Istio's one control-plane
     *                       port, so a stock ztunnel's {@code CA_ADDRESS} and {@code XDS_ADDRESS} can be equal
     */
    public record Grpc(@DefaultValue("0.0.0.0") String address, @DefaultValue("15010") int port,
                       @DefaultValue("8MB") DataSize maxMessageSize,
                       @DefaultValue("false") boolean caForwarding) {
    }

    /**
     * @param caAddress          ca-service's gRPC address
     * @param bundleFile         the mesh roots as PEM (Kubernetes: the mounted istio-ca-root-cert); when unset, {@code bundleUrl}
     * @param bundleUrl          local mode: the CA's bundle endpoint on loopback
     * @param tokenFile          bearer token proving this server's service account to the CA
     * @param serviceAccount     this server's service account in the mesh namespace
     * @param caServiceAccount   the service account the CA's certificate must name
     * @param validity           lifetime asked for
     * @param certFile           a certificate chain (PEM) managed outside the server; with {@code keyFile} and
     *                           {@code bundleFile} it replaces the CA request (read once at start)
     * @param keyFile            the private key of {@code certFile} (PEM)
     * @param clusterDomain      the cluster's DNS domain: the certificate names {@code <sa>.<ns>.svc} and
     *                           {@code <sa>.<ns>.svc.<clusterDomain>} (the Service is named after the account)
     * @param istiodAlias        the certificate also names {@code istiod.<ns>.svc[.<clusterDomain>]}, so that
     *                           Istio's proxies, which check that name, can use this server as their control plane
     */
    public record Identity(@DefaultValue("127.0.0.1:15012") String caAddress,
                           Path bundleFile,
                           @DefaultValue("http://127.0.0.1:15014/ca/root-cert.pem") String bundleUrl,
                           @DefaultValue(".mesh/tokens/xds-server") Path tokenFile,
                           @DefaultValue("xds-server") String serviceAccount,
                           @DefaultValue("ca-service") String caServiceAccount,
                           @DefaultValue("24h") Duration validity,
                           Path certFile,
                           Path keyFile,
                           @DefaultValue("cluster.local") String clusterDomain,
                           @DefaultValue("false") boolean istiodAlias) {

        /** The DNS names this server's certificate carries. */
        public java.util.List<String> dnsNames(String meshNamespace) {
            return io.ambit.identity.ServiceDnsNames.controlPlane(serviceAccount, meshNamespace, clusterDomain, istiodAlias);
        }
    }

    /**
     * @param port    where to listen (0: any free port); unset: no such listener
     * @param address address to bind
     */
    public record MeshHttp(Integer port, @DefaultValue("0.0.0.0") String address) {
    }
}
