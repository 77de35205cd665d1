package io.ambit.xds.identity;

import io.ambit.identity.WorkloadIdentity;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import io.ambit.caclient.HostPort;
import io.ambit.caclient.CaClient;
import io.ambit.caclient.RenewingSvid;
import io.ambit.caclient.TrustBundleSource;
import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.identity.TrustBundle;
import io.ambit.tls.ReloadableSslContext;
import io.ambit.xds.XdsProperties;

/**
 * The xDS server's SVID from ca-service, as any mesh workload gets one: its own identity
 * ({@code <mesh namespace>/xds-server}), authenticated by a bearer token (a bootstrap token in
 * local mode, the projected ServiceAccount token in Kubernetes), renewed at half-life by
 * {@link RenewingSvid}. The certificate also carries the server's Service DNS names (and
 * {@code istiod}'s when configured), which host-name-checking clients such as Istio's ztunnel verify. The trust bundle is read at each attempt (file, or the CA's bundle URL in
 * local mode), so a rotated root reaches the server with its next certificate.
 */
public final class CaIssuedIdentity implements ServingIdentity {

    private final XdsProperties properties;
    private final AtomicReference<TrustBundle> bundle = new AtomicReference<>();
    private final RenewingSvid svid;

    public CaIssuedIdentity(XdsProperties properties, Clock clock) {
        this.properties = properties;
        this.svid = RenewingSvid.start("xds-server", this::issue, clock);
    }

    private Svid issue() throws IOException, InterruptedException {
        XdsProperties.Identity settings = properties.identity();
        TrustBundle roots = new TrustBundleSource(settings.bundleFile(), settings.bundleUrl()).read(properties.trustDomain());
        String token = Files.readString(settings.tokenFile()).strip();
        SpiffeId self = spiffe(settings.serviceAccount());
        try (CaClient client = CaClient.connect(HostPort.parse(settings.caAddress()), roots, spiffe(settings.caServiceAccount()), Optional.empty())) {
            Svid issued = client.request(self, settings.dnsNames(properties.meshNamespace()), false, Optional.of(token),
                    settings.validity());
            bundle.set(roots);
            return issued;
        }
    }

    private SpiffeId spiffe(String serviceAccount) {
        return new WorkloadIdentity(properties.trustDomain(), properties.meshNamespace(), serviceAccount).spiffeId();
    }

    @Override
    public void addListener(Consumer<ReloadableSslContext.KeyMaterial> listener) {
        svid.addListener(issued -> listener.accept(new ReloadableSslContext.KeyMaterial(issued, bundle.get())));
    }

    @Override
    public void close() {
        svid.close();
    }
}
