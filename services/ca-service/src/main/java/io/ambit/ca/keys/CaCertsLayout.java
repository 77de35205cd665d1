package io.ambit.ca.keys;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.ambit.identity.CertificatePaths;
import io.ambit.identity.KeyPairs;
import io.ambit.identity.Pem;
import io.ambit.identity.TrustBundle;

/**
 * Istio's {@code cacerts} layout, the four PEM files a plug-in CA (or our own self-signed root) is
 * kept as: {@code ca-cert.pem} (the signer), {@code ca-key.pem}, {@code root-cert.pem} and
 * {@code cert-chain.pem} (signer up to the root). Reading checks everything that would otherwise
 * fail later and less clearly: the key matches the certificate, the certificate may sign
 * certificates, and the chain leads to the root.
 */
public final class CaCertsLayout {

    public static final String CA_CERT = "ca-cert.pem";
    public static final String CA_KEY = "ca-key.pem";
    public static final String ROOT_CERT = "root-cert.pem";
    public static final String CERT_CHAIN = "cert-chain.pem";

    private CaCertsLayout() {
    }

    /** Writes the four files' contents, keyed by file name. */
    public static Map<String, String> write(CaKeyMaterial material) {
        Map<String, String> files = new LinkedHashMap<>();
        files.put(CA_CERT, Pem.encode(material.signingCertificate()));
        files.put(CA_KEY, Pem.encode(material.signingKey()));
        files.put(ROOT_CERT, Pem.encodeCertificates(material.bundle().authorities()));
        files.put(CERT_CHAIN, Pem.encodeCertificates(material.chain()));
        return files;
    }

    /** Reads and checks the files; {@code where} names their origin in errors. */
    public static CaKeyMaterial read(Map<String, String> files, String trustDomain, String where) {
        X509Certificate signer = single(require(files, CA_CERT, where), CA_CERT, where);
        PrivateKey key;
        try {
            key = Pem.readPrivateKey(require(files, CA_KEY, where));
        } catch (IllegalArgumentException e) {
            throw new CaKeyMaterialException(where + "/" + CA_KEY + ": " + e.getMessage(), e);
        }
        List<X509Certificate> roots = certificates(require(files, ROOT_CERT, where), ROOT_CERT, where);
        List<X509Certificate> chain = files.containsKey(CERT_CHAIN)
                ? new ArrayList<>(certificates(files.get(CERT_CHAIN), CERT_CHAIN, where))
                : new ArrayList<>(List.of(signer));
        if (!chain.getFirst().equals(signer)) {
            chain.addFirst(signer);
        }
        if (!roots.contains(chain.getLast())) {
            // Istio's cert-chain.pem may stop below the root; complete it.
            X509Certificate issuer = roots.stream()
                    .filter(r -> r.getSubjectX500Principal().equals(chain.getLast().getIssuerX500Principal()))
                    .findFirst()
                    .orElseThrow(() -> new CaKeyMaterialException(where + ": " + CERT_CHAIN
                            + " does not lead to any certificate in " + ROOT_CERT));
            chain.add(issuer);
        }
        requireKeyMatches(key, signer, where);
        requireCanSign(signer, where);
        requireChainValid(chain, roots, where);
        return new CaKeyMaterial(key, chain, new TrustBundle(trustDomain, roots));
    }

    private static String require(Map<String, String> files, String name, String where) {
        String content = files.get(name);
        if (content == null || content.isBlank()) {
            throw new CaKeyMaterialException(where + ": " + name + " is missing");
        }
        return content;
    }

    private static List<X509Certificate> certificates(String pem, String name, String where) {
        try {
            return Pem.readCertificates(pem);
        } catch (IllegalArgumentException e) {
            throw new CaKeyMaterialException(where + "/" + name + ": " + e.getMessage(), e);
        }
    }

    private static X509Certificate single(String pem, String name, String where) {
        List<X509Certificate> certificates = certificates(pem, name, where);
        if (certificates.size() != 1) {
            throw new CaKeyMaterialException(where + "/" + name + " must hold one certificate, found " + certificates.size());
        }
        return certificates.getFirst();
    }

    private static void requireKeyMatches(PrivateKey key, X509Certificate certificate, String where) {
        if (!KeyPairs.matches(key, certificate.getPublicKey())) {
            throw new CaKeyMaterialException(where + ": " + CA_KEY + " does not match the certificate in " + CA_CERT);
        }
    }

    private static void requireCanSign(X509Certificate certificate, String where) {
        boolean[] usage = certificate.getKeyUsage();
        if (certificate.getBasicConstraints() < 0) {
            throw new CaKeyMaterialException(where + ": " + CA_CERT + " is not a CA certificate (basicConstraints cA=false)");
        }
        if (usage == null || usage.length < 6 || !usage[5]) {
            throw new CaKeyMaterialException(where + ": " + CA_CERT + " lacks the keyCertSign key usage, so it cannot sign certificates");
        }
    }

    private static void requireChainValid(List<X509Certificate> chain, List<X509Certificate> roots, String where) {
        try {
            CertificatePaths.validate(chain, roots, java.time.Instant.now());
        } catch (GeneralSecurityException e) {
            throw new CaKeyMaterialException(where + ": " + CERT_CHAIN + " does not validate to " + ROOT_CERT + ": " + e.getMessage(), e);
        }
    }
}
