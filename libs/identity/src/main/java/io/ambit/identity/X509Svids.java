package io.ambit.identity;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Reading the SPIFFE parts of an X.509 certificate. */
public final class X509Svids {

    /** The GeneralName tag of a URI in a subjectAltName, RFC 5280 §4.2.1.6. */
    private static final int URI_NAME = 6;
    /** Index of keyCertSign in {@link X509Certificate#getKeyUsage()}. */
    static final int KEY_CERT_SIGN = 5;

    private X509Svids() {
    }

    /** Every URI SAN of the certificate, in order. */
    public static List<String> uriSans(X509Certificate certificate) {
        Collection<List<?>> names;
        try {
            names = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            throw new SvidValidationException(SvidValidationException.Reason.MALFORMED,
                    "unreadable subjectAltName extension: " + e.getMessage());
        }
        List<String> uris = new ArrayList<>();
        if (names != null) {
            for (List<?> name : names) {
                if (name.size() == 2 && Integer.valueOf(URI_NAME).equals(name.get(0))) {
                    uris.add((String) name.get(1));
                }
            }
        }
        return uris;
    }

    /** The SPIFFE ID of a leaf with exactly one URI SAN that is a valid SPIFFE ID. */
    public static SpiffeId spiffeIdOf(X509Certificate leaf) {
        List<String> uris = uriSans(leaf);
        if (uris.isEmpty()) {
            throw new SvidValidationException(SvidValidationException.Reason.NO_URI_SAN,
                    "leaf certificate has no URI SAN, so no SPIFFE ID");
        }
        if (uris.size() > 1) {
            throw new SvidValidationException(SvidValidationException.Reason.MULTIPLE_URI_SANS,
                    "leaf certificate has " + uris.size() + " URI SANs " + uris + "; an X.509-SVID has exactly one");
        }
        try {
            return SpiffeId.parse(uris.getFirst());
        } catch (InvalidSpiffeIdException e) {
            throw new SvidValidationException(SvidValidationException.Reason.INVALID_SPIFFE_ID,
                    "leaf URI SAN is not a valid SPIFFE ID: " + e.getMessage());
        }
    }
}
