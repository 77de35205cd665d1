package io.ambit.caclient;

import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.ambit.identity.Csrs;
import io.ambit.identity.KeyPairs;
import io.ambit.identity.Pem;
import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.identity.SvidValidator;
import io.ambit.identity.TrustBundle;
import io.ambit.proto.ca.IstioCertificateRequest;
import io.ambit.proto.ca.IstioCertificateResponse;
import io.ambit.proto.ca.IstioCertificateServiceGrpc;
import io.ambit.tls.MeshTls;
import io.ambit.tls.PeerPolicy;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;

/**
 * Obtains X.509-SVIDs from the CA over Istio's API, the way a node agent does: a fresh P-256 key
 * per identity, a CSR carrying only the URI SAN, {@code ImpersonatedIdentity} when asking for a
 * pod's identity, the CA's server certificate checked against the bundle and its SPIFFE ID, and
 * the returned chain validated before it is used.
 */
public final class CaClient implements AutoCloseable {

    public static final String IMPERSONATED_IDENTITY = "ImpersonatedIdentity";

    private final ManagedChannel channel;
    private final TrustBundle bundle;
    private final Clock clock;

    private CaClient(ManagedChannel channel, TrustBundle bundle, Clock clock) {
        this.channel = channel;
        this.bundle = bundle;
        this.clock = clock;
    }

    /**
     * @param ca          the CA's gRPC address
     * @param bundle      the mesh roots, to check the CA's certificate
     * @param caIdentity  the SPIFFE ID the CA must present
     * @param own         this client's SVID when it has one (mutual TLS); empty for the first call
     */
    public static CaClient connect(InetSocketAddress ca, TrustBundle bundle, SpiffeId caIdentity, Optional<Svid> own) {
        return connect(NettyChannelBuilder.forAddress(ca), bundle, caIdentity, own);
    }

    /** @param ca the CA as a fixed address or found by discovery (Kubernetes mode) */
    public static CaClient connect(ControlPlaneTarget ca, TrustBundle bundle, SpiffeId caIdentity, Optional<Svid> own) {
        return connect(ca.channelBuilder(), bundle, caIdentity, own);
    }

    private static CaClient connect(NettyChannelBuilder builder, TrustBundle bundle, SpiffeId caIdentity, Optional<Svid> own) {
        var tls = own.map(svid -> MeshTls.client(svid, bundle, PeerPolicy.exactly(caIdentity)))
                .orElseGet(() -> MeshTls.bootstrapClient(bundle, PeerPolicy.exactly(caIdentity)));
        ManagedChannel channel = builder.sslContext(tls).build();
        return new CaClient(channel, bundle, Clock.systemUTC());
    }

    /**
     * Asks for {@code identity}: the caller's own, or (for a node agent) a pod's on its node.
     *
     * @param bearerToken the caller's token, or empty when authenticating with its own SVID
     */
    public Svid request(SpiffeId identity, boolean impersonate, Optional<String> bearerToken, Duration validity) {
        return request(identity, List.of(), impersonate, bearerToken, validity);
    }

    /**
     * As {@link #request(SpiffeId, boolean, Optional, Duration)}, asking for DNS SANs beside the
     * URI SAN: the control plane's servers only (the CA refuses them to anyone else).
     */
    public Svid request(SpiffeId identity, List<String> dnsNames, boolean impersonate, Optional<String> bearerToken, Duration validity) {
        KeyPair keys = KeyPairs.ecP256();
        IstioCertificateRequest.Builder request = IstioCertificateRequest.newBuilder()
                .setCsr(Csrs.createPem(keys, identity, dnsNames))
                .setValidityDuration(validity.toSeconds());
        if (impersonate) {
            request.setMetadata(Struct.newBuilder().putFields(IMPERSONATED_IDENTITY,
                    Value.newBuilder().setStringValue(identity.toString()).build()));
        }
        var stub = IstioCertificateServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        if (bearerToken.isPresent()) {
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + bearerToken.get());
            stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        }
        IstioCertificateResponse response = stub.createCertificate(request.build());
        List<X509Certificate> chain = new ArrayList<>();
        response.getCertChainList().forEach(pem -> chain.addAll(Pem.readCertificates(pem)));
        SpiffeId issued = SvidValidator.validate(chain, bundle, clock.instant());
        if (!issued.equals(identity)) {
            throw new IllegalStateException("CA issued " + issued + " where " + identity + " was asked for");
        }
        return new Svid(issued, keys.getPrivate(), chain);
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
