package io.ambit.ca.crypto;

import java.security.PrivateKey;
import java.security.PublicKey;

/**
 * The two signature operations a certificate costs the CA: verifying the CSR's proof of
 * possession and signing the certificate. Algorithms are JCA names ({@code SHA256withECDSA},
 * {@code SHA256withRSA}, ...); signatures are in the encoding X.509 uses (DER for ECDSA).
 */
public interface SignatureEngine {

    /** A short name for logs and the benchmark ("libcrypto", "jca"). */
    String name();

    boolean verify(String algorithm, PublicKey key, byte[] data, byte[] signature);

    /** A signer bound to one key; thread-safe. */
    Signer signer(String algorithm, PrivateKey key);

    @FunctionalInterface
    interface Signer {
        byte[] sign(byte[] data);
    }
}
