package io.ambit.ca.signing;

import java.math.BigInteger;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import io.ambit.ca.keys.CaKeyMaterial;
import io.ambit.identity.SpiffeId;
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
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Issues X.509-SVIDs as the SPIFFE spec and Istio shape them: empty subject, exactly one URI SAN
 * (critical, since the subject is empty), {@code cA=false}, key usage critical digitalSignature
 * (+ keyEncipherment for RSA keys), EKU serverAuth + clientAuth, a 127-bit serial from a CSPRNG,
 * {@code notBefore} a minute in the past for clock skew, AKI and SKI. Never outlives its signer.
 */
public final class SvidSigner {

    static final Duration BACKDATE = Duration.ofMinutes(1);

    private final CaKeyMaterial ca;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final JcaX509ExtensionUtils extensionUtils;
    private final X500Name issuer;
    private final String signatureAlgorithm;

    public SvidSigner(CaKeyMaterial ca, Clock clock) {
        this.ca = ca;
        this.clock = clock;
        try {
            this.extensionUtils = new JcaX509ExtensionUtils();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        this.issuer = X500Name.getInstance(ca.signingCertificate().getSubjectX500Principal().getEncoded());
        this.signatureAlgorithm = switch (ca.signingKey()) {
            case ECPrivateKey ec when ec.getParams().getCurve().getField().getFieldSize() > 256 -> "SHA384withECDSA";
            case ECPrivateKey ec -> "SHA256withECDSA";
            default -> "SHA256withRSA";
        };
    }

    private static GeneralNames sans(SpiffeId id, List<String> dnsNames) {
        List<GeneralName> names = new ArrayList<>();
        names.add(new GeneralName(GeneralName.uniformResourceIdentifier, id.toString()));
        dnsNames.forEach(dns -> names.add(new GeneralName(GeneralName.dNSName, dns)));
        return new GeneralNames(names.toArray(GeneralName[]::new));
    }

    /** Signs and returns the chain to hand back: leaf first, root last. */
    public List<X509Certificate> sign(SpiffeId id, PublicKey subjectKey, Duration validity) {
        return sign(id, List.of(), subjectKey, validity);
    }

    /**
     * As {@link #sign(SpiffeId, PublicKey, Duration)}, with DNS SANs beside the URI SAN: only for
     * the CA's own serving certificate, which non-SPIFFE clients check by host name.
     */
    public List<X509Certificate> sign(SpiffeId id, List<String> dnsNames, PublicKey subjectKey, Duration validity) {
        Instant now = clock.instant();
        Instant notAfter = now.plus(validity);
        if (notAfter.isAfter(ca.notAfter())) {
            notAfter = ca.notAfter();
        }
        int usage = KeyUsage.digitalSignature | (subjectKey instanceof RSAPublicKey ? KeyUsage.keyEncipherment : 0);
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
                    new BigInteger(127, random).setBit(126), Date.from(now.minus(BACKDATE)), Date.from(notAfter),
                    new X500Name(new org.bouncycastle.asn1.x500.RDN[0]), subjectKey)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(usage))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                            new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                    .addExtension(Extension.subjectAlternativeName, true, sans(id, dnsNames))
                    .addExtension(Extension.subjectKeyIdentifier, false, extensionUtils.createSubjectKeyIdentifier(subjectKey))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            extensionUtils.createAuthorityKeyIdentifier(ca.signingCertificate()));
            ContentSigner signer = new JcaContentSignerBuilder(signatureAlgorithm).build(ca.signingKey());
            X509Certificate leaf = new JcaX509CertificateConverter().getCertificate(builder.build(signer));
            List<X509Certificate> chain = new ArrayList<>(ca.chain().size() + 1);
            chain.add(leaf);
            chain.addAll(ca.chain());
            return chain;
        } catch (Exception e) {
            throw new IllegalStateException("signing failed for " + id + ": " + e.getMessage(), e);
        }
    }
}
