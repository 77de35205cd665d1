package io.ambit.xds.api;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Clock;

import io.ambit.identity.Svid;
import io.ambit.identity.TrustBundle;
import io.ambit.tls.ReloadableSslContext;
import io.ambit.xds.XdsProperties;
import io.ambit.xds.ads.AdsServer;
import io.ambit.xds.ads.AdsService;
import io.ambit.xds.identity.CaIssuedIdentity;
import io.ambit.xds.identity.ServingIdentity;
import io.ambit.xds.state.XdsState;
import io.ambit.xds.store.ConfigStore;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Translation and serving, the same in both modes: they only see the {@link ConfigStore}. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(XdsProperties.class)
public class XdsConfiguration {

    @Bean(destroyMethod = "close")
    XdsState xdsState(ConfigStore store, XdsProperties properties, io.ambit.service.MeshProperties mesh, MeterRegistry meters) {
        return new XdsState(store, properties.trustDomain(), mesh.clusterId(), properties.debounce(), meters);
    }

    /**
     * The objects' status as translation computes it, held for {@code GET /store/status} in both
     * modes (Kubernetes mode also writes it into the objects; local mode has nowhere else to put it).
     */
    @Bean
    io.ambit.xds.status.StatusView statusView(XdsState state) {
        io.ambit.xds.status.StatusView view = new io.ambit.xds.status.StatusView();
        state.addTranslationHook(view);
        return view;
    }

    @Bean
    AdsService adsService(XdsState state, MeterRegistry meters) {
        return new AdsService(state, meters);
    }

    /**
     * istiod's {@code istio_build{component="pilot",tag}} = 1, the series the control-plane dashboard's
     * version panel reads; the tag is this build's version ({@code META-INF/build-info.properties}).
     */
    @Bean
    io.micrometer.core.instrument.Gauge istioBuild(MeterRegistry meters,
            org.springframework.beans.factory.ObjectProvider<org.springframework.boot.info.BuildProperties> build) {
        org.springframework.boot.info.BuildProperties properties = build.getIfAvailable();
        return io.micrometer.core.instrument.Gauge.builder("istio_build", () -> 1)
                .description("Istio component build info").tag("component", "pilot")
                .tag("tag", properties == null || properties.getVersion() == null ? "unknown" : properties.getVersion())
                .register(meters);
    }

    /** From the CA, unless a certificate managed elsewhere is configured. */
    @Bean(destroyMethod = "close")
    ServingIdentity servingIdentity(XdsProperties properties) throws java.io.IOException {
        XdsProperties.Identity identity = properties.identity();
        if (identity.certFile() == null) {
            return new CaIssuedIdentity(properties, Clock.systemUTC());
        }
        if (identity.keyFile() == null || identity.bundleFile() == null) {
            throw new IllegalArgumentException("ambit.xds.identity.cert-file needs key-file and bundle-file too");
        }
        Svid svid = Svid.fromPem(Files.readString(identity.certFile()), Files.readString(identity.keyFile()));
        TrustBundle bundle = TrustBundle.fromPem(properties.trustDomain(), Files.readString(identity.bundleFile()));
        return ServingIdentity.fixed(new ReloadableSslContext.KeyMaterial(svid, bundle));
    }

    /** The HTTP API over mutual TLS, for ca-service's node rule; only where a port is set. */
    @Bean
    @org.springframework.boot.autoconfigure.condition.ConditionalOnProperty("ambit.xds.mesh-http.port")
    MeshHttpServer meshHttpServer(XdsProperties properties, ServingIdentity identity,
            org.springframework.http.server.reactive.HttpHandler handler) {
        return new MeshHttpServer(new InetSocketAddress(properties.meshHttp().address(), properties.meshHttp().port()), identity,
                handler, properties.trustDomain());
    }

    @Bean
    AdsServer adsServer(XdsProperties properties, ServingIdentity identity, AdsService service,
            org.springframework.beans.factory.ObjectProvider<io.ambit.xds.ads.BearerAuthenticator> bearer,
            org.springframework.beans.factory.ObjectProvider<io.ambit.xds.ca.CertificateForwarder> forwarder) {
        // a bearer authenticator exists in Kubernetes mode only (TokenReview): Istio's ztunnel
        AdsServer server = new AdsServer(new InetSocketAddress(properties.grpc().address(), properties.grpc().port()), identity, service,
                properties.trustDomain(), (int) properties.grpc().maxMessageSize().toBytes(), bearer.getIfAvailable());
        forwarder.ifAvailable(f -> server.addService(f.definition()));
        return server;
    }

    /** Istio's one port: certificate requests on the ADS port go to ca-service ({@code ambit.xds.grpc.ca-forwarding}). */
    @Bean(destroyMethod = "close")
    @org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty("ambit.xds.grpc.ca-forwarding")
    io.ambit.xds.ca.CertificateForwarder certificateForwarder(XdsProperties properties, ServingIdentity identity) {
        var forwarder = new io.ambit.xds.ca.CertificateForwarder(io.ambit.caclient.HostPort.parse(properties.identity().caAddress()),
                new io.ambit.identity.WorkloadIdentity(properties.trustDomain(), properties.meshNamespace(),
                        properties.identity().caServiceAccount()).spiffeId());
        identity.addListener(forwarder::onKeyMaterial);
        return forwarder;
    }
}
