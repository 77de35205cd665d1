package io.ambit.identity;

import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** PKIX path validation of a chain (first certificate first) against a set of roots. */
public final class CertificatePaths {

    private CertificatePaths() {
    }

    /**
     * Validates {@code chain} against {@code roots} at {@code at}, without revocation checks (the
     * mesh relies on short lifetimes instead). Roots present in the chain are dropped first, since
     * peers may send theirs. Returns false for a chain made only of roots.
     *
     * @throws GeneralSecurityException naming why the path does not validate
     */
    public static boolean validate(List<X509Certificate> chain, List<X509Certificate> roots, Instant at)
            throws GeneralSecurityException {
        List<X509Certificate> path = new ArrayList<>(chain);
        path.removeIf(roots::contains);
        if (path.isEmpty()) {
            return false;
        }
        Set<TrustAnchor> anchors = roots.stream().map(root -> new TrustAnchor(root, null)).collect(Collectors.toSet());
        PKIXParameters parameters = new PKIXParameters(anchors);
        parameters.setRevocationEnabled(false);
        parameters.setDate(Date.from(at));
        CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(path), parameters);
        return true;
    }
}
