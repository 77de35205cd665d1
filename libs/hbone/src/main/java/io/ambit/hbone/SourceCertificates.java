package io.ambit.hbone;

import io.ambit.identity.SpiffeId;
import io.ambit.tls.ReloadableSslContext.KeyMaterial;

/**
 * The current certificate (and trust bundle) of a source workload, which the pool presents when
 * it opens a connection on that workload's behalf. ztunnel's certificate manager plays this role;
 * a certificate rotated here applies to the next connection.
 */
@FunctionalInterface
public interface SourceCertificates {

    /** @throws IllegalStateException when there is no certificate for {@code source} (yet) */
    KeyMaterial keyMaterial(SpiffeId source);
}
