package io.ambit.ca.signing;

import static io.ambit.ca.CaRequestException.invalid;

import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.Map;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.ambit.ca.CaRequestException;
import io.ambit.ca.crypto.SignatureEngine;
import io.ambit.identity.InvalidSpiffeIdException;
import io.ambit.identity.Pem;
import io.ambit.identity.ServiceDnsNames;
import io.ambit.identity.SpiffeId;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * Checks a CSR against the identity the CA has already decided to grant. The CSR only proposes: a
 * key (which it must prove it holds) and, optionally, SANs, which must be exactly the granted
 * URI SAN. Control-plane identities may also ask for DNS SANs, and only for Service names of
 * their own namespace (or {@code localhost}): Istio's clients check the control plane by host
 * name, workloads are checked by SPIFFE ID only. Each failure has its own message and reason.
 */
public final class CsrPolicy {

    private final int maxCsrBytes;
    private final Duration defaultValidity;
    private final Duration maxValidity;
    private final SignatureEngine signatures;
    private final DnsSanRule dnsSans;

    /** Which granted identities may carry DNS SANs, and which names. */
    public record DnsSanRule(java.util.Set<SpiffeId> controlPlane, String namespace, String clusterDomain) {

        /** @return null when allowed, else why not */
        String refusal(SpiffeId granted, String name) {
            if (!controlPlane.contains(granted)) {
                return "only the control plane's own identities may carry DNS SANs; " + granted + " is a workload identity";
            }
            try {
                ServiceDnsNames.requireValid(name);
            } catch (IllegalArgumentException e) {
                return e.getMessage();
            }
            if (!name.equals(ServiceDnsNames.LOCALHOST) && !ServiceDnsNames.isServiceOf(name, namespace, clusterDomain)) {
                return "DNS SAN " + name + " is not a Service name of namespace " + namespace
                        + " (<svc>." + namespace + ".svc[." + clusterDomain + "])";
            }
            return null;
        }

        static final DnsSanRule NONE = new DnsSanRule(java.util.Set.of(), "", "");
    }

    /** The most DNS names a control-plane CSR may carry (istiod asks for about six). */
    static final int MAX_DNS_SANS = 16;

    public CsrPolicy(int maxCsrBytes, Duration defaultValidity, Duration maxValidity, SignatureEngine signatures) {
        this(maxCsrBytes, defaultValidity, maxValidity, signatures, DnsSanRule.NONE);
    }

    public CsrPolicy(int maxCsrBytes, Duration defaultValidity, Duration maxValidity, SignatureEngine signatures,
            DnsSanRule dnsSans) {
        this.maxCsrBytes = maxCsrBytes;
        this.defaultValidity = defaultValidity;
        this.maxValidity = maxValidity;
        this.signatures = signatures;
        this.dnsSans = dnsSans;
    }

    /**
     * A CSR that passed: the key to certify (as the JDK and as the certificate see it), the lifetime
     * to give it and the DNS SANs granted beside the URI SAN (control plane only; usually none).
     */
    public record Approved(PublicKey publicKey, SubjectPublicKeyInfo subjectPublicKeyInfo, Duration validity, List<String> dnsNames) {
    }

    public Approved check(String csrPem, long requestedValiditySeconds, SpiffeId granted) {
        Duration validity = validity(requestedValiditySeconds);
        if (csrPem == null || csrPem.isBlank()) {
            throw invalid("csr_missing", "the request carries no CSR");
        }
        if (csrPem.getBytes(StandardCharsets.UTF_8).length > maxCsrBytes) {
            throw invalid("csr_too_large", "CSR is larger than " + maxCsrBytes + " bytes");
        }
        PKCS10CertificationRequest csr;
        try {
            csr = Pem.readCsr(csrPem);
        } catch (IllegalArgumentException e) {
            throw invalid("csr_malformed", "CSR is not a PEM certificate request: " + e.getMessage());
        }
        PublicKey key;
        try {
            key = new JcaPKCS10CertificationRequest(csr).getPublicKey();
        } catch (Exception e) {
            throw invalid("csr_key_unreadable", "CSR public key is unreadable: " + e.getMessage());
        }
        requireAllowedKey(key);
        requireProofOfPossession(csr, key);
        List<String> dnsNames = requireSansMatch(csr, granted);
        return new Approved(key, csr.getSubjectPublicKeyInfo(), validity, dnsNames);
    }

    private Duration validity(long seconds) {
        if (seconds < 0) {
            throw invalid("validity_negative", "requested validity is negative (" + seconds + " s)");
        }
        if (seconds == 0) {
            return defaultValidity;
        }
        if (seconds > maxValidity.toSeconds()) {
            throw invalid("validity_too_long", "requested validity of " + seconds + " s exceeds the maximum of "
                    + maxValidity.toSeconds() + " s");
        }
        return Duration.ofSeconds(seconds);
    }

    /**
     * Verifies the CSR's self-signature with the key it carries. Not through BC's content-verifier
     * helper: it runs the verification twice (it also tries a "raw" variant), which doubled the
     * CA's cost per certificate. Only the usual ECDSA and RSA algorithms are accepted.
     */
    private void requireProofOfPossession(PKCS10CertificationRequest csr, PublicKey key) {
        String algorithm = SIGNATURE_ALGORITHMS.get(csr.getSignatureAlgorithm().getAlgorithm().getId());
        if (algorithm == null) {
            throw invalid("csr_signature_algorithm", "CSR is signed with algorithm "
                    + csr.getSignatureAlgorithm().getAlgorithm().getId() + "; use ECDSA or RSA with SHA-256/384/512");
        }
        boolean valid;
        try {
            valid = signatures.verify(algorithm, key,
                    csr.toASN1Structure().getCertificationRequestInfo().getEncoded(ASN1Encoding.DER), csr.getSignature());
        } catch (Exception e) {
            valid = false;
        }
        if (!valid) {
            throw invalid("csr_signature_invalid", "CSR signature does not verify with the key it carries "
                    + "(proof of possession failed)");
        }
    }

    private static final Map<String, String> SIGNATURE_ALGORITHMS = Map.of(
            "1.2.840.10045.4.3.2", "SHA256withECDSA",
            "1.2.840.10045.4.3.3", "SHA384withECDSA",
            "1.2.840.10045.4.3.4", "SHA512withECDSA",
            "1.2.840.113549.1.1.11", "SHA256withRSA",
            "1.2.840.113549.1.1.12", "SHA384withRSA",
            "1.2.840.113549.1.1.13", "SHA512withRSA");

    private static void requireAllowedKey(PublicKey key) {
        switch (key) {
            case ECPublicKey ec -> {
                int bits = ec.getParams().getCurve().getField().getFieldSize();
                if (bits != 256 && bits != 384) {
                    throw invalid("csr_key_not_allowed", "CSR key is EC on a " + bits + "-bit curve; only P-256 and P-384 are allowed");
                }
            }
            case RSAPublicKey rsa -> {
                if (rsa.getModulus().bitLength() < 2048) {
                    throw invalid("csr_key_not_allowed", "CSR key is RSA " + rsa.getModulus().bitLength()
                            + " bits; at least 2048 are required");
                }
            }
            default -> throw invalid("csr_key_not_allowed", "CSR key type " + key.getAlgorithm()
                    + " is not allowed; use EC P-256/P-384 or RSA >= 2048");
        }
    }

    private List<String> requireSansMatch(PKCS10CertificationRequest csr, SpiffeId granted) {
        GeneralName[] names = requestedSans(csr);
        if (names.length == 0) {
            return List.of(); // the CA fills in the SAN it decided
        }
        List<GeneralName> uris = new ArrayList<>(1);
        List<String> dnsNames = new ArrayList<>();
        for (GeneralName name : names) {
            if (name.getTagNo() == GeneralName.uniformResourceIdentifier) {
                uris.add(name);
            } else if (name.getTagNo() == GeneralName.dNSName) {
                String dns = name.getName().toString();
                String refusal = dnsSans.refusal(granted, dns);
                if (refusal != null) {
                    throw invalid("csr_dns_san_not_allowed", "CSR requests the DNS SAN " + dns + ": " + refusal);
                }
                dnsNames.add(dns);
            } else {
                throw invalid("csr_san_not_allowed", "CSR requests a " + sanKind(name.getTagNo()) + " SAN (" + name.getName()
                        + "); only the URI SAN " + granted + " may be requested");
            }
        }
        if (dnsNames.size() > MAX_DNS_SANS) {
            throw invalid("csr_too_many_dns_sans", "CSR requests " + dnsNames.size() + " DNS SANs; at most " + MAX_DNS_SANS);
        }
        if (uris.size() > 1) {
            throw invalid("csr_multiple_uri_sans", "CSR requests " + uris.size() + " URI SANs; an X.509-SVID has exactly one");
        }
        if (uris.isEmpty()) {
            throw invalid("csr_uri_san_missing", "CSR requests DNS SANs without the URI SAN " + granted);
        }
        String requested = uris.get(0).getName().toString();
        SpiffeId requestedId;
        try {
            requestedId = SpiffeId.parse(requested);
        } catch (InvalidSpiffeIdException e) {
            throw invalid("csr_san_invalid", "CSR URI SAN is not a valid SPIFFE ID: " + e.getMessage());
        }
        if (!requestedId.isMemberOf(granted.trustDomain())) {
            throw invalid("csr_wrong_trust_domain", "CSR asks for " + requestedId + " in trust domain "
                    + requestedId.trustDomain() + "; this CA signs only for " + granted.trustDomain());
        }
        if (!requestedId.equals(granted)) {
            throw invalid("csr_identity_mismatch", "CSR asks for " + requestedId + " but the caller is authorized for "
                    + granted);
        }
        return List.copyOf(new java.util.LinkedHashSet<>(dnsNames));
    }

    private static GeneralName[] requestedSans(PKCS10CertificationRequest csr) {
        Attribute[] attributes = csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest);
        if (attributes.length == 0) {
            return new GeneralName[0];
        }
        try {
            Extensions extensions = Extensions.getInstance(attributes[0].getAttrValues().getObjectAt(0));
            GeneralNames sans = GeneralNames.fromExtensions(extensions, Extension.subjectAlternativeName);
            return sans == null ? new GeneralName[0] : sans.getNames();
        } catch (RuntimeException e) {
            throw invalid("csr_extensions_malformed", "CSR extension request is malformed: " + e.getMessage());
        }
    }

    private static String sanKind(int tag) {
        return switch (tag) {
            case GeneralName.dNSName -> "DNS";
            case GeneralName.iPAddress -> "IP";
            case GeneralName.rfc822Name -> "email";
            default -> "non-URI (tag " + tag + ")";
        };
    }
}
