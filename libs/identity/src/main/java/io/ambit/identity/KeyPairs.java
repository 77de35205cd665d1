package io.ambit.identity;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;

/** Key pairs for workload identities: ECDSA P-256, as Istio issues them. */
public final class KeyPairs {

    private KeyPairs() {
    }

    public static KeyPair ecP256() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot generate EC P-256 keys", e);
        }
    }

    /** Whether the private key belongs to the public key: signs a challenge with one, verifies with the other. */
    public static boolean matches(java.security.PrivateKey privateKey, java.security.PublicKey publicKey) {
        byte[] challenge = "ambit key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try {
            String algorithm = signatureAlgorithmFor(privateKey);
            java.security.Signature signer = java.security.Signature.getInstance(algorithm);
            signer.initSign(privateKey);
            signer.update(challenge);
            byte[] signature = signer.sign();
            java.security.Signature verifier = java.security.Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    /** The JCA signature algorithm that fits a key: ECDSA with SHA-256, or RSA with SHA-256. */
    public static String signatureAlgorithmFor(java.security.PrivateKey key) {
        return switch (key.getAlgorithm()) {
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> throw new IllegalArgumentException("unsupported key algorithm: " + key.getAlgorithm());
        };
    }
}
