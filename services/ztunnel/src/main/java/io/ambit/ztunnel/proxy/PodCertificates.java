package io.ambit.ztunnel.proxy;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.identity.TrustBundle;
import io.ambit.tls.MeshTls;
import io.ambit.tls.PeerPolicy;
import io.ambit.tls.ReloadableSslContext.KeyMaterial;
import io.ambit.ztunnel.identity.WorkloadCertificates;
import io.netty.handler.ssl.SslContext;

/**
 * The pods' certificates as the data plane uses them: key material to open HBONE connections
 * with (waited for when the first certificate of an identity is still on its way), and an HBONE
 * server context per identity, rebuilt only when its certificate or the trust bundle changed, so
 * a renewed certificate applies to the next handshake while open connections keep theirs.
 */
public final class PodCertificates {

    private final WorkloadCertificates certificates;
    private final Supplier<TrustBundle> bundle;
    private final Map<SpiffeId, ServerContext> servers = new ConcurrentHashMap<>();

    private record ServerContext(Svid svid, TrustBundle bundle, SslContext context) {
    }

    /** @param bundle the mesh's current trust bundle (the roots that sign every pod's certificate) */
    public PodCertificates(WorkloadCertificates certificates, Supplier<TrustBundle> bundle) {
        this.certificates = certificates;
        this.bundle = bundle;
    }

    public CompletableFuture<KeyMaterial> await(SpiffeId identity) {
        return certificates.await(identity).thenApply(svid -> new KeyMaterial(svid, bundle.get()));
    }

    /** @throws IllegalStateException when this node holds no certificate for {@code identity} */
    public KeyMaterial current(SpiffeId identity) {
        Svid svid = certificates.current(identity)
                .orElseThrow(() -> new IllegalStateException("no certificate for " + identity + " (yet)"));
        return new KeyMaterial(svid, bundle.get());
    }

    public Optional<Svid> svid(SpiffeId identity) {
        return certificates.current(identity);
    }

    /** The HBONE server context for a pod running as {@code identity}: any client of the trust domain. */
    public SslContext server(SpiffeId identity) {
        KeyMaterial now = current(identity);
        ServerContext cached = servers.get(identity);
        if (cached != null && cached.svid() == now.svid() && cached.bundle().equals(now.bundle())) {
            return cached.context();
        }
        SslContext context = MeshTls.server(now.svid(), now.bundle(), PeerPolicy.anyInTrustDomain(identity.trustDomain()));
        servers.put(identity, new ServerContext(now.svid(), now.bundle(), context));
        return context;
    }
}
