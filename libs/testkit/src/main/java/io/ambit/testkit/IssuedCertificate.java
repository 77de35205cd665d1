package io.ambit.testkit;

import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/** A certificate the test CA issued, with its key pair and its chain (leaf first, root last). */
public record IssuedCertificate(KeyPair keyPair, List<X509Certificate> chain) {

    public IssuedCertificate {
        chain = List.copyOf(chain);
    }

    public X509Certificate certificate() {
        return chain.getFirst();
    }

    public PrivateKey privateKey() {
        return keyPair.getPrivate();
    }
}
