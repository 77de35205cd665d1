package io.ambit.ca.crypto;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;

/** The JDK's own signatures (SunEC, SunRsaSign): always available, about ten times slower than libcrypto for ECDSA. */
public final class JcaSignatureEngine implements SignatureEngine {

    @Override
    public String name() {
        return "jca";
    }

    @Override
    public boolean verify(String algorithm, PublicKey key, byte[] data, byte[] signature) {
        try {
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(key);
            verifier.update(data);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    @Override
    public Signer signer(String algorithm, PrivateKey key) {
        return data -> {
            try {
                Signature signer = Signature.getInstance(algorithm);
                signer.initSign(key);
                signer.update(data);
                return signer.sign();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("signing with " + algorithm + " failed", e);
            }
        };
    }
}
