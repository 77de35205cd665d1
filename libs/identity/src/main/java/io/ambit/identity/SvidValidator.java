package io.ambit.identity;

import static io.ambit.identity.SvidValidationException.Reason;

import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * Validates an X.509-SVID chain against a trust bundle, per the X.509-SVID specification: exactly
 * one URI SAN holding a valid SPIFFE ID in the bundle's trust domain; a leaf that is not a CA and
 * cannot sign certificates; every certificate valid at the given instant; a chain that leads to
 * one of the bundle's authorities. The checks run in that order so that the error names the most
 * specific cause (an expired certificate is reported as expired, not as an untrusted chain).
 */
public final class SvidValidator {

    private SvidValidator() {
    }

    /** Returns the chain's SPIFFE ID, or throws naming the first rule it breaks. */
    public static SpiffeId validate(List<X509Certificate> chain, TrustBundle bundle, Instant now) {
        if (chain == null || chain.isEmpty()) {
            throw new SvidValidationException(Reason.EMPTY_CHAIN, "no certificate was presented");
        }
        X509Certificate leaf = chain.getFirst();
        SpiffeId id = X509Svids.spiffeIdOf(leaf);
        if (leaf.getBasicConstraints() != -1) {
            throw new SvidValidationException(Reason.LEAF_IS_CA,
                    "leaf certificate for " + id + " is a CA certificate (basicConstraints cA=true)");
        }
        boolean[] keyUsage = leaf.getKeyUsage();
        if (keyUsage != null && keyUsage.length > X509Svids.KEY_CERT_SIGN && keyUsage[X509Svids.KEY_CERT_SIGN]) {
            throw new SvidValidationException(Reason.LEAF_CAN_SIGN_CERTIFICATES,
                    "leaf certificate for " + id + " has keyCertSign key usage");
        }
        if (!id.isMemberOf(bundle.trustDomain())) {
            throw new SvidValidationException(Reason.WRONG_TRUST_DOMAIN,
                    id + " is not in trust domain " + bundle.trustDomain());
        }
        for (X509Certificate certificate : chain) {
            checkValidity(certificate, certificate == leaf ? "leaf certificate for " + id : "issuer certificate "
                    + certificate.getSubjectX500Principal().getName(), now);
        }
        checkChainsToBundle(chain, bundle, now, id);
        return id;
    }

    private static void checkValidity(X509Certificate certificate, String what, Instant now) {
        Instant notBefore = certificate.getNotBefore().toInstant();
        Instant notAfter = certificate.getNotAfter().toInstant();
        if (now.isAfter(notAfter)) {
            throw new SvidValidationException(Reason.EXPIRED, what + " expired at " + notAfter);
        }
        if (now.isBefore(notBefore)) {
            throw new SvidValidationException(Reason.NOT_YET_VALID, what + " is not valid before " + notBefore);
        }
    }

    private static void checkChainsToBundle(List<X509Certificate> chain, TrustBundle bundle, Instant now,
            SpiffeId id) {
        boolean validated;
        try {
            validated = CertificatePaths.validate(chain, bundle.authorities(), now);
        } catch (GeneralSecurityException e) {
            throw new SvidValidationException(Reason.UNTRUSTED_ISSUER, "certificate chain of " + id
                    + " (issuer " + chain.getLast().getIssuerX500Principal().getName()
                    + ") does not lead to a root in the trust bundle of " + bundle.trustDomain()
                    + ": " + e.getMessage());
        }
        if (!validated) {
            throw new SvidValidationException(Reason.LEAF_IS_CA, "the presented leaf is a trust anchor itself");
        }
    }
}
