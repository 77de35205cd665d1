package io.ambit.ca.signing;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import io.ambit.ca.crypto.SignatureEngine;
import io.ambit.ca.keys.CaKeyMaterial;
import io.ambit.identity.Pem;
import io.ambit.identity.SpiffeId;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.bc.BcX509ExtensionUtils;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.DefaultSignatureAlgorithmIdentifierFinder;

/**
 * Issues X.509-SVIDs as the SPIFFE spec and Istio shape them: empty subject, exactly one URI SAN
 * (critical, since the subject is empty), {@code cA=false}, key usage critical digitalSignature
 * (+ keyEncipherment for RSA keys), EKU serverAuth + clientAuth, a 127-bit serial from a CSPRNG,
 * {@code notBefore} a minute in the past for clock skew, AKI and SKI. Never outlives its signer.
 *
 * <p>The request path ({@link #issue}) stays in DER and PEM: converting each new certificate into
 * a JDK {@code X509Certificate} went through the JDK's certificate cache and its global lock, and
 * showed as the largest cost after the signature itself.
 */
public final class SvidSigner {

    static final Duration BACKDATE = Duration.ofMinutes(1);

    /** A signed certificate: the leaf and the PEM chain to hand back (leaf first, root last). */
    public record Issued(X509CertificateHolder leaf, List<String> pemChain) {
        public BigInteger serial() {
            return leaf.getSerialNumber();
        }

        public Instant notAfter() {
            return leaf.getNotAfter().toInstant();
        }
    }

    private final CaKeyMaterial ca;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final BcX509ExtensionUtils extensionUtils = new BcX509ExtensionUtils();
    private final X500Name issuer;
    private final AuthorityKeyIdentifier authorityKeyId;
    private final List<String> caChainPem;
    private final AlgorithmIdentifier signatureAlgorithmId;
    private final SignatureEngine.Signer engineSigner;

    public SvidSigner(CaKeyMaterial ca, Clock clock, SignatureEngine signatures) {
        this.ca = ca;
        this.clock = clock;
        this.issuer = X500Name.getInstance(ca.signingCertificate().getSubjectX500Principal().getEncoded());
        this.authorityKeyId = authorityKeyIdentifier(ca, extensionUtils);
        this.caChainPem = ca.chain().stream().map(Pem::encode).toList();
        String signatureAlgorithm = switch (ca.signingKey()) {
            case ECPrivateKey ec when ec.getParams().getCurve().getField().getFieldSize() > 256 -> "SHA384withECDSA";
            case ECPrivateKey ec -> "SHA256withECDSA";
            default -> "SHA256withRSA";
        };
        this.signatureAlgorithmId = new DefaultSignatureAlgorithmIdentifierFinder().find(signatureAlgorithm);
        this.engineSigner = signatures.signer(signatureAlgorithm, ca.signingKey());
    }

    /** The AKI must repeat the signer's own SKI (a plug-in CA's may not be the SHA-1 of its key). */
    private static AuthorityKeyIdentifier authorityKeyIdentifier(CaKeyMaterial ca, BcX509ExtensionUtils utils) {
        byte[] ski = ca.signingCertificate().getExtensionValue(Extension.subjectKeyIdentifier.getId());
        if (ski != null) {
            byte[] keyId = org.bouncycastle.asn1.x509.SubjectKeyIdentifier.getInstance(
                    org.bouncycastle.asn1.ASN1OctetString.getInstance(ski).getOctets()).getKeyIdentifier();
            return new AuthorityKeyIdentifier(keyId);
        }
        return utils.createAuthorityKeyIdentifier(SubjectPublicKeyInfo.getInstance(ca.signingPublicKey().getEncoded()));
    }

    /** The request path: signs a leaf for the key and returns it with the PEM chain. */
    public Issued issue(SpiffeId id, SubjectPublicKeyInfo subjectKey, Duration validity) {
        return issue(id, List.of(), subjectKey, validity);
    }

    /**
     * As {@link #issue(SpiffeId, SubjectPublicKeyInfo, Duration)}, with DNS SANs beside the URI SAN:
     * only for the control plane's own certificates (checked by {@link CsrPolicy}), which Istio's and
     * other non-SPIFFE clients check by host name.
     */
    public Issued issue(SpiffeId id, List<String> dnsNames, SubjectPublicKeyInfo subjectKey, Duration validity) {
        Instant now = clock.instant();
        Instant notAfter = now.plus(validity);
        if (notAfter.isAfter(ca.notAfter())) {
            notAfter = ca.notAfter();
        }
        boolean rsa = PKCSObjectIdentifiers.rsaEncryption.equals(subjectKey.getAlgorithm().getAlgorithm());
        int usage = KeyUsage.digitalSignature | (rsa ? KeyUsage.keyEncipherment : 0);
        try {
            X509CertificateHolder leaf = new X509v3CertificateBuilder(issuer,
                    new BigInteger(127, random).setBit(126), Date.from(now.minus(BACKDATE)), Date.from(notAfter),
                    new X500Name(new org.bouncycastle.asn1.x500.RDN[0]), subjectKey)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(usage))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                            new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                    .addExtension(Extension.subjectAlternativeName, true, sans(id, dnsNames))
                    .addExtension(Extension.subjectKeyIdentifier, false, extensionUtils.createSubjectKeyIdentifier(subjectKey))
                    .addExtension(Extension.authorityKeyIdentifier, false, authorityKeyId)
                    .build(contentSigner());
            List<String> chain = new ArrayList<>(caChainPem.size() + 1);
            chain.add(Pem.encodeDer("CERTIFICATE", leaf.getEncoded()));
            chain.addAll(caChainPem);
            return new Issued(leaf, chain);
        } catch (IOException e) {
            throw new IllegalStateException("signing failed for " + id + ": " + e.getMessage(), e);
        }
    }

    /** For start-up and tests: the chain as JDK certificates. */
    public List<X509Certificate> sign(SpiffeId id, PublicKey subjectKey, Duration validity) {
        return sign(id, List.of(), subjectKey, validity);
    }

    public List<X509Certificate> sign(SpiffeId id, List<String> dnsNames, PublicKey subjectKey, Duration validity) {
        Issued issued = issue(id, dnsNames, SubjectPublicKeyInfo.getInstance(subjectKey.getEncoded()), validity);
        try {
            List<X509Certificate> chain = new ArrayList<>();
            chain.add((X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(issued.leaf().getEncoded())));
            chain.addAll(ca.chain());
            return chain;
        } catch (CertificateException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A BC content signer whose signature comes from the engine (libcrypto when available). */
    private ContentSigner contentSigner() {
        ByteArrayOutputStream tbs = new ByteArrayOutputStream(512);
        return new ContentSigner() {
            @Override
            public AlgorithmIdentifier getAlgorithmIdentifier() {
                return signatureAlgorithmId;
            }

            @Override
            public OutputStream getOutputStream() {
                return tbs;
            }

            @Override
            public byte[] getSignature() {
                return engineSigner.sign(tbs.toByteArray());
            }
        };
    }

    private static GeneralNames sans(SpiffeId id, List<String> dnsNames) {
        List<GeneralName> names = new ArrayList<>();
        names.add(new GeneralName(GeneralName.uniformResourceIdentifier, id.toString()));
        dnsNames.forEach(dns -> names.add(new GeneralName(GeneralName.dNSName, dns)));
        return new GeneralNames(names.toArray(GeneralName[]::new));
    }
}
