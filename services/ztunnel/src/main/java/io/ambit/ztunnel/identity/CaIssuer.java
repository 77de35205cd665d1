package io.ambit.ztunnel.identity;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

import io.ambit.caclient.CaClient;
import io.ambit.caclient.RenewingSvid;
import io.ambit.identity.SpiffeId;
import io.ambit.identity.TrustBundle;

/**
 * Obtains a pod's certificate from ca-service as Istio's ztunnel does: authenticated as the node
 * agent (its bearer token: a projected ServiceAccount token in Kubernetes, the node's bootstrap
 * token in local mode) and asking for the pod's identity with {@code ImpersonatedIdentity}; the
 * CA's node rule decides whether this node may have it. A fresh key per certificate.
 */
public final class CaIssuer {

    private final io.ambit.caclient.ControlPlaneTarget ca;
    private final SpiffeId caIdentity;
    private final Supplier<TrustBundle> bundle;
    private final Supplier<String> token;
    private final Duration validity;

    public CaIssuer(io.ambit.caclient.ControlPlaneTarget ca, SpiffeId caIdentity, Supplier<TrustBundle> bundle, Supplier<String> token, Duration validity) {
        this.ca = ca;
        this.caIdentity = caIdentity;
        this.bundle = bundle;
        this.token = token;
        this.validity = validity;
    }

    public RenewingSvid.Issuer forIdentity(SpiffeId identity) {
        return () -> {
            try (CaClient client = CaClient.connect(ca, bundle.get(), caIdentity, Optional.empty())) {
                return client.request(identity, true, Optional.of(token.get()), validity);
            }
        };
    }
}
