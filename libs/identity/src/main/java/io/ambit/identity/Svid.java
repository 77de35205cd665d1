package io.ambit.identity;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * An X.509-SVID with its private key: the key material a workload presents in mutual TLS.
 *
 * @param id    the SPIFFE ID in the leaf's URI SAN
 * @param key   the leaf's private key
 * @param chain leaf first, then intermediates; the root may be included last
 */
public record Svid(SpiffeId id, PrivateKey key, List<X509Certificate> chain) {

    public Svid {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(key, "key");
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("an SVID needs at least its leaf certificate");
        }
        if (!KeyPairs.matches(key, chain.getFirst().getPublicKey())) {
            throw new IllegalArgumentException("the private key does not match the certificate of " + id);
        }
    }

    /** Reads an SVID from PEM, taking its SPIFFE ID from the leaf. */
    public static Svid fromPem(String chainPem, String keyPem) {
        List<X509Certificate> chain = Pem.readCertificates(chainPem);
        return new Svid(X509Svids.spiffeIdOf(chain.getFirst()), Pem.readPrivateKey(keyPem), chain);
    }

    public X509Certificate leaf() {
        return chain.getFirst();
    }

    public Instant notAfter() {
        return leaf().getNotAfter().toInstant();
    }

    public Instant notBefore() {
        return leaf().getNotBefore().toInstant();
    }

    /** Never prints the key. */
    @Override
    public String toString() {
        return "Svid[" + id + ", serial " + leaf().getSerialNumber().toString(16) + ", not after " + notAfter() + "]";
    }
}
