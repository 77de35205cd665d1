package io.ambit.testkit;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throwaway certificate authority for tests: an ECDSA P-256 root (optionally under another CA,
 * as an intermediate) that issues X.509-SVIDs. {@link #leaf(String...)} returns a builder so a test
 * can also make the broken certificates a validator must refuse (two URI SANs, a CA used as a
 * leaf, expired, not yet valid...).
 */
public final class TestCa {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final String trustDomain;
    private final KeyPair keyPair;
    private final List<X509Certificate> chain;

    private TestCa(String trustDomain, KeyPair keyPair, List<X509Certificate> chain) {
        this.trustDomain = trustDomain;
        this.keyPair = keyPair;
        this.chain = List.copyOf(chain);
    }

    /** A new self-signed root for the trust domain, valid from an hour ago for a day. */
    public static TestCa newRoot(String trustDomain) {
        KeyPair keyPair = newEcKeyPair();
        Instant now = Instant.now();
        X500Name name = new X500Name("O=" + trustDomain + ",CN=Ambit test root " + RANDOM.nextInt(1_000_000));
        X509Certificate root = sign(name, keyPair, name, keyPair, now.minus(Duration.ofHours(1)),
                now.plus(Duration.ofDays(1)), true, null, KeyUsage.keyCertSign | KeyUsage.cRLSign, false);
        return new TestCa(trustDomain, keyPair, List.of(root));
    }

    /** A new intermediate CA signed by this one, in the same trust domain. */
    public TestCa newIntermediate() {
        KeyPair intermediateKeys = newEcKeyPair();
        Instant now = Instant.now();
        X500Name name = new X500Name("O=" + trustDomain + ",CN=Ambit test intermediate " + RANDOM.nextInt(1_000_000));
        X509Certificate intermediate = sign(name, intermediateKeys, issuerName(), keyPair,
                now.minus(Duration.ofMinutes(30)), now.plus(Duration.ofHours(20)), true, null,
                KeyUsage.keyCertSign | KeyUsage.cRLSign, false);
        List<X509Certificate> intermediateChain = new ArrayList<>();
        intermediateChain.add(intermediate);
        intermediateChain.addAll(chain);
        return new TestCa(trustDomain, intermediateKeys, intermediateChain);
    }

    public String trustDomain() {
        return trustDomain;
    }

    /** This CA's own certificate. */
    public X509Certificate certificate() {
        return chain.getFirst();
    }

    /** This CA's own signing key: for tests that hand the CA to a component as plug-in key material. */
    public java.security.PrivateKey privateKey() {
        return keyPair.getPrivate();
    }

    /** The self-signed root at the top of this CA's chain: what goes into a trust bundle. */
    public X509Certificate root() {
        return chain.getLast();
    }

    /** A correct X.509-SVID for the SPIFFE ID, valid for an hour. */
    public IssuedCertificate issue(String spiffeId) {
        return leaf(spiffeId).issue();
    }

    /** Istio's form: {@code spiffe://<td>/ns/<ns>/sa/<sa>} in this CA's trust domain. */
    public IssuedCertificate issueWorkload(String namespace, String serviceAccount) {
        return issue("spiffe://" + trustDomain + "/ns/" + namespace + "/sa/" + serviceAccount);
    }

    /** A builder for a leaf carrying the given URI SANs (none, one, or several for negative tests). */
    public LeafBuilder leaf(String... uriSans) {
        return new LeafBuilder(List.of(uriSans));
    }

    /** Builds a leaf; the defaults make a valid X.509-SVID. */
    public final class LeafBuilder {
        private final List<String> uriSans;
        private final List<String> dnsSans = new ArrayList<>();
        private Instant notBefore = Instant.now().minus(Duration.ofMinutes(1));
        private Instant notAfter = Instant.now().plus(Duration.ofHours(1));
        private boolean ca;
        private int keyUsage = KeyUsage.digitalSignature;
        private KeyPair subjectKeys;

        private LeafBuilder(List<String> uriSans) {
            this.uriSans = uriSans;
        }

        public LeafBuilder validity(Instant from, Instant until) {
            this.notBefore = from;
            this.notAfter = until;
            return this;
        }

        public LeafBuilder dnsSan(String name) {
            dnsSans.add(name);
            return this;
        }

        /** Marks the leaf as a CA (basicConstraints cA=true, keyCertSign): invalid as an SVID. */
        public LeafBuilder asCa() {
            this.ca = true;
            this.keyUsage = KeyUsage.digitalSignature | KeyUsage.keyCertSign;
            return this;
        }

        public LeafBuilder keyUsage(int bouncyCastleKeyUsageBits) {
            this.keyUsage = bouncyCastleKeyUsageBits;
            return this;
        }

        public LeafBuilder keyPair(KeyPair keys) {
            this.subjectKeys = keys;
            return this;
        }

        public IssuedCertificate issue() {
            KeyPair keys = subjectKeys != null ? subjectKeys : newEcKeyPair();
            List<GeneralName> names = new ArrayList<>();
            uriSans.forEach(uri -> names.add(new GeneralName(GeneralName.uniformResourceIdentifier, uri)));
            dnsSans.forEach(dns -> names.add(new GeneralName(GeneralName.dNSName, dns)));
            X509Certificate leaf = sign(new X500Name(new org.bouncycastle.asn1.x500.RDN[0]), keys, issuerName(),
                    keyPair, notBefore, notAfter, ca, names.isEmpty() ? null : new GeneralNames(names.toArray(GeneralName[]::new)),
                    keyUsage, true);
            List<X509Certificate> issuedChain = new ArrayList<>();
            issuedChain.add(leaf);
            issuedChain.addAll(chain);
            return new IssuedCertificate(keys, issuedChain);
        }
    }

    private X500Name issuerName() {
        return X500Name.getInstance(certificate().getSubjectX500Principal().getEncoded());
    }

    static KeyPair newEcKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate sign(X500Name subject, KeyPair subjectKeys, X500Name issuer, KeyPair issuerKeys,
            Instant notBefore, Instant notAfter, boolean ca, GeneralNames sans, int keyUsage, boolean endEntity) {
        try {
            JcaX509ExtensionUtils extensionUtils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
                    new BigInteger(127, RANDOM).add(BigInteger.ONE), Date.from(notBefore), Date.from(notAfter),
                    subject, subjectKeys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    extensionUtils.createSubjectKeyIdentifier(subjectKeys.getPublic()));
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    extensionUtils.createAuthorityKeyIdentifier(issuerKeys.getPublic()));
            if (endEntity) {
                builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                        new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            }
            if (sans != null) {
                builder.addExtension(Extension.subjectAlternativeName, true, sans);
            }
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException("test CA could not sign a certificate", e);
        }
    }
}
