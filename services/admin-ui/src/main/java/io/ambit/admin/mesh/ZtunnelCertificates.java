package io.ambit.admin.mesh;

import java.io.ByteArrayInputStream;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

import tools.jackson.databind.JsonNode;

/**
 * Reads one entry of a ztunnel's {@code certificates} (Istio ztunnel's CertsDump: {@code identity},
 * {@code state} {@code Available}/{@code Initializing}/{@code Unavailable: …}, {@code certChain}
 * and {@code rootCerts} of {@code {pem, serialNumber, validFrom, expirationTime}}, the PEM in
 * base64) into a {@link CertificateInfo}: the leaf's serial and validity, the remaining time counted
 * at {@code now}, and its issuer, read from the leaf's PEM. An entry that does not read as that
 * shape gives what it can (empty fields), never an exception: one odd ztunnel must not hide the rest.
 */
final class ZtunnelCertificates {

    static CertificateInfo read(String node, JsonNode entry, Instant now) {
        String state = state(entry.path("state").asString(""));
        JsonNode leaf = entry.path("certChain").path(0);
        String notAfter = leaf.path("expirationTime").asString("");
        long remaining = instant(notAfter).map(t -> Math.max(0, Duration.between(now, t).toSeconds())).orElse(0L);
        String issuer = certificate(leaf.path("pem").asString("")).map(c -> c.getIssuerX500Principal().getName()).orElse("");
        return new CertificateInfo(node, entry.path("identity").asString(""), state, leaf.path("serialNumber").asString(""),
                leaf.path("validFrom").asString(""), notAfter, remaining, issuer);
    }

    /** {@code available}, {@code pending} (ztunnel's Initializing) or {@code unavailable}, as the dashboard and meshctl show it. */
    private static String state(String ztunnel) {
        if (ztunnel.equals("Available")) {
            return "available";
        }
        if (ztunnel.equals("Initializing")) {
            return "pending";
        }
        return ztunnel.isEmpty() ? "unknown" : ztunnel.toLowerCase(Locale.ROOT);
    }

    private static Optional<Instant> instant(String rfc3339) {
        try {
            return rfc3339.isEmpty() ? Optional.empty() : Optional.of(Instant.parse(rfc3339));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static Optional<X509Certificate> certificate(String base64Pem) {
        if (base64Pem.isEmpty()) {
            return Optional.empty();
        }
        try {
            byte[] pem = Base64.getDecoder().decode(base64Pem);
            return Optional.of((X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem)));
        } catch (IllegalArgumentException | CertificateException | ClassCastException e) {
            return Optional.empty();
        }
    }

    private ZtunnelCertificates() {
    }
}
