package io.ambit.ca.keys;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

import io.ambit.identity.TrustBundle;

/**
 * What the CA signs with: the signing key, its certificate, the chain from that certificate up to
 * the root (signer first, root last; one element for a self-signed root), and the roots peers
 * trust.
 */
public record CaKeyMaterial(PrivateKey signingKey, List<X509Certificate> chain, TrustBundle bundle) {

    public CaKeyMaterial {
        chain = List.copyOf(chain);
    }

    public X509Certificate signingCertificate() {
        return chain.getFirst();
    }

    public PublicKey signingPublicKey() {
        return signingCertificate().getPublicKey();
    }

    public X509Certificate root() {
        return chain.getLast();
    }

    public Instant notAfter() {
        return signingCertificate().getNotAfter().toInstant();
    }
}
