package io.ambit.ca.keys;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

import io.ambit.identity.KeyPairs;
import io.ambit.identity.TrustBundle;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Creates the CA's default key material: a self-signed ECDSA P-256 root, valid 10 years. */
public final class SelfSignedRoot {

    public static final Duration LIFETIME = Duration.ofDays(3650);

    private SelfSignedRoot() {
    }

    public static CaKeyMaterial create(String trustDomain) {
        KeyPair keys = KeyPairs.ecP256();
        Instant now = Instant.now();
        // Istio's self-signed root reads O=<trust domain>.
        X500Name name = new X500Name("O=" + trustDomain);
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name,
                    new BigInteger(128, new SecureRandom()).setBit(127), Date.from(now.minus(Duration.ofMinutes(1))),
                    Date.from(now.plus(LIFETIME)), name, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature))
                    .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(keys.getPublic()));
            X509Certificate root = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
            return new CaKeyMaterial(keys.getPrivate(), List.of(root), TrustBundle.of(trustDomain, root));
        } catch (Exception e) {
            throw new CaKeyMaterialException("could not create a self-signed root", e);
        }
    }
}
