package io.ambit.ca;

import java.net.InetSocketAddress;
import java.time.Clock;

import io.ambit.ca.auth.BootstrapTokenAuthenticator;
import io.ambit.ca.auth.CallerAuthenticator;
import io.ambit.ca.auth.TokenAuthenticator;
import io.ambit.ca.auth.TokenReviewAuthenticator;
import io.ambit.ca.authz.IdentityAuthorizer;
import io.ambit.ca.authz.KubernetesPodLocator;
import io.ambit.ca.authz.LocalPodLocator;
import io.ambit.ca.authz.StorePodLocator;
import io.ambit.ca.authz.PodLocator;
import io.ambit.ca.bundle.RootCertConfigMapPublisher;
import io.ambit.ca.grpc.CaGrpcServer;
import io.ambit.ca.grpc.IstioCertificateGrpcService;
import io.ambit.ca.grpc.ServingCertificate;
import io.ambit.ca.grpc.ServingCertificateRotator;
import io.ambit.ca.keys.CaKeyMaterial;
import io.ambit.ca.keys.CaKeyStore;
import io.ambit.ca.keys.DirectoryCaKeyStore;
import io.ambit.ca.keys.SecretCaKeyStore;
import io.ambit.ca.crypto.SignatureEngine;
import io.ambit.ca.crypto.SignatureEngines;
import io.ambit.ca.signing.CsrPolicy;
import io.ambit.ca.signing.SvidSigner;
import io.ambit.ca.telemetry.AuditLog;
import io.ambit.ca.telemetry.CaMetrics;
import io.ambit.identity.WorkloadIdentity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;

/** Wires the CA for local mode (directory, bootstrap tokens, local pods) or Kubernetes mode. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(CaProperties.class)
public class CaConfiguration {

    @Bean
    @ConditionalOnMissingBean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    CaKeyMaterial caKeyMaterial(CaKeyStore store) {
        return store.loadOrCreate();
    }

    @Bean
    SignatureEngine signatureEngine() {
        return SignatureEngines.best();
    }

    @Bean
    CertificateAuthority certificateAuthority(CaProperties properties, CaKeyMaterial keys, TokenAuthenticator tokens,
            PodLocator pods, SignatureEngine signatures, MeterRegistry registry, Clock clock) {
        return new CertificateAuthority(keys,
                new CallerAuthenticator(tokens, keys::bundle, clock),
                new IdentityAuthorizer(properties.trustDomain(), properties.trustedNodeAccounts(), pods),
                new CsrPolicy((int) properties.maxCsrSize().toBytes(), properties.defaultValidity(), properties.maxValidity(),
                        signatures, dnsSanRule(properties)),
                new SvidSigner(keys, clock, signatures),
                new CaMetrics(registry, () -> keys, clock), new AuditLog(), clock);
    }

    /** DNS SANs only for the control plane's own accounts, and only its namespace's Service names. */
    static CsrPolicy.DnsSanRule dnsSanRule(CaProperties properties) {
        var ids = properties.controlPlane().serviceAccounts().stream()
                .map(sa -> new io.ambit.identity.WorkloadIdentity(properties.trustDomain(), properties.meshNamespace(), sa).spiffeId())
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
        return new CsrPolicy.DnsSanRule(ids, properties.meshNamespace(), properties.controlPlane().clusterDomain());
    }

    @Bean
    IstioCertificateGrpcService istioCertificateService(CertificateAuthority ca) {
        return new IstioCertificateGrpcService(ca);
    }

    /**
     * gRPC over TLS with the CA's own SVID. Client certificates are optional: a node agent's first
     * call, before it holds any SVID, authenticates with its token.
     */
    @Bean
    ServingCertificateRotator servingCertificate(CaProperties properties, CaKeyMaterial keys, Clock clock) {
        CaProperties.ControlPlane controlPlane = properties.controlPlane();
        return new ServingCertificateRotator(keys, properties.trustDomain(), properties.meshNamespace(),
                io.ambit.identity.ServiceDnsNames.controlPlane(ServingCertificate.SERVICE_ACCOUNT, properties.meshNamespace(),
                        controlPlane.clusterDomain(), controlPlane.istiodAlias()),
                properties.servingValidity(), clock);
    }

    @Bean
    CaGrpcServer caGrpcServer(CaProperties properties, ServingCertificateRotator serving, IstioCertificateGrpcService service) {
        return new CaGrpcServer(new InetSocketAddress(properties.grpc().address(), properties.grpc().port()),
                serving.context(), service,
                (int) properties.grpc().maxMessageSize().toBytes(), (int) properties.grpc().maxMetadataSize().toBytes());
    }

    static WorkloadIdentity nodeAgent(CaProperties properties) {
        String[] account = properties.trustedNodeAccounts().getFirst().split("/", 2);
        return new WorkloadIdentity(properties.trustDomain(), account[0], account[1]);
    }

    @Configuration(proxyBeanMethods = false)
    @Profile("!kubernetes")
    static class Local {

        @Bean
        CaKeyStore caKeyStore(CaProperties properties) {
            return properties.pluginCertsDir() != null
                    ? DirectoryCaKeyStore.pluginCerts(properties.pluginCertsDir(), properties.trustDomain())
                    : DirectoryCaKeyStore.selfSigned(properties.stateDir(), properties.trustDomain());
        }

        @Bean
        TokenAuthenticator bootstrapTokens(CaProperties properties) {
            return new BootstrapTokenAuthenticator(properties.local().allNodeTokens(), nodeAgent(properties),
                    properties.local().allServiceTokens());
        }

        @Bean
        PodLocator localPods(CaProperties properties, ServingCertificateRotator serving) {
            PodLocator directory = new LocalPodLocator(properties.local().configDir());
            if (properties.local().storeUrl().isBlank()) {
                return directory;
            }
            // The directory answers for the pods declared at start, the store for those applied since.
            java.net.URI url = java.net.URI.create(properties.local().storeUrl());
            PodLocator store;
            if ("https".equals(url.getScheme())) {
                // mutual TLS: the CA's own certificate is its credential, the store must be the xds-server
                store = StorePodLocator.overMutualTls(url, () -> serving.context().keyMaterial(),
                        new WorkloadIdentity(properties.trustDomain(), properties.meshNamespace(),
                                properties.local().storeServiceAccount()).spiffeId());
            } else {
                java.util.Optional<String> token = java.util.Optional.ofNullable(properties.local().storeTokenFile())
                        .map(file -> io.ambit.service.security.TokenFiles.read("store (ca-service)", file));
                store = new StorePodLocator(url, token);
            }
            return (node, namespace, account) -> directory.runsOnNode(node, namespace, account)
                    || store.runsOnNode(node, namespace, account);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @Profile("kubernetes")
    static class Kubernetes {

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        KubernetesClient kubernetesClient() {
            return new KubernetesClientBuilder().build();
        }

        @Bean
        CaKeyStore caKeyStore(CaProperties properties, KubernetesClient client) {
            return properties.pluginCertsDir() != null
                    ? DirectoryCaKeyStore.pluginCerts(properties.pluginCertsDir(), properties.trustDomain())
                    : new SecretCaKeyStore(client, properties.meshNamespace(), properties.trustDomain());
        }

        @Bean
        TokenAuthenticator tokenReview(CaProperties properties, KubernetesClient client) {
            return new TokenReviewAuthenticator(client, properties.trustDomain(), properties.tokenAudience());
        }

        @Bean(destroyMethod = "close")
        KubernetesPodLocator kubernetesPods(KubernetesClient client) {
            return new KubernetesPodLocator(client).start();
        }

        @Bean(destroyMethod = "close")
        RootCertConfigMapPublisher rootCertPublisher(KubernetesClient client, CaKeyMaterial keys) {
            return new RootCertConfigMapPublisher(client, keys.bundle().toPem()).start();
        }
    }
}
