package io.ambit.ca.crypto;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the signature engine: libcrypto when it loads and agrees with the JDK on a self-test
 * (each side verifies the other's signature, and rejects a tampered one), the JDK otherwise.
 */
public final class SignatureEngines {

    private static final Logger log = LoggerFactory.getLogger(SignatureEngines.class);

    private SignatureEngines() {
    }

    public static SignatureEngine best() {
        JcaSignatureEngine jca = new JcaSignatureEngine();
        return LibcryptoSignatureEngine.load()
                .filter(native_ -> agrees(native_, jca))
                .map(native_ -> {
                    log.info("signatures via libcrypto (OpenSSL) through the FFM API");
                    return native_;
                })
                .orElseGet(() -> {
                    log.warn("libcrypto (OpenSSL 3) not usable here; signing with the JDK's slower implementation");
                    return jca;
                });
    }

    static boolean agrees(SignatureEngine candidate, SignatureEngine reference) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair keys = generator.generateKeyPair();
            byte[] data = "ambit signature self-test".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            String algorithm = "SHA256withECDSA";
            byte[] byCandidate = candidate.signer(algorithm, keys.getPrivate()).sign(data);
            byte[] byReference = reference.signer(algorithm, keys.getPrivate()).sign(data);
            byte[] tampered = Arrays.copyOf(data, data.length);
            tampered[0] ^= 1;
            return reference.verify(algorithm, keys.getPublic(), data, byCandidate)
                    && candidate.verify(algorithm, keys.getPublic(), data, byReference)
                    && !candidate.verify(algorithm, keys.getPublic(), tampered, byReference);
        } catch (Exception | LinkageError e) {
            log.warn("libcrypto self-test failed: {}", e.toString());
            return false;
        }
    }
}
