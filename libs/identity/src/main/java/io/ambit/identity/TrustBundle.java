package io.ambit.identity;

import java.math.BigInteger;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The X.509 authorities of one trust domain. Serialised as PEM (what Istio puts in the
 * {@code istio-ca-root-cert} ConfigMap) or as a SPIFFE bundle: a JWK set whose X.509 entries
 * have {@code "use": "x509-svid"} and exactly one {@code x5c} certificate.
 */
public record TrustBundle(String trustDomain, List<X509Certificate> authorities) {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    static final String X509_SVID_USE = "x509-svid";

    public TrustBundle {
        SpiffeId.validateTrustDomain(Objects.requireNonNull(trustDomain, "trustDomain"));
        authorities = List.copyOf(authorities);
        if (authorities.isEmpty()) {
            throw new IllegalArgumentException("a trust bundle needs at least one authority");
        }
    }

    public static TrustBundle of(String trustDomain, X509Certificate... authorities) {
        return new TrustBundle(trustDomain, List.of(authorities));
    }

    public static TrustBundle fromPem(String trustDomain, String pem) {
        return new TrustBundle(trustDomain, Pem.readCertificates(pem));
    }

    public String toPem() {
        return Pem.encodeCertificates(authorities);
    }

    /** The SPIFFE bundle (JWK set) form, with the refresh hint in seconds. */
    public String toSpiffeBundleJson(Duration refreshHint) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode keys = root.putArray("keys");
        for (X509Certificate authority : authorities) {
            ObjectNode key = keys.addObject();
            key.put("use", X509_SVID_USE);
            putPublicKey(key, authority.getPublicKey());
            try {
                key.putArray("x5c").add(Base64.getEncoder().encodeToString(authority.getEncoded()));
            } catch (CertificateEncodingException e) {
                throw new IllegalStateException("cannot encode authority " + authority.getSubjectX500Principal(), e);
            }
        }
        root.put("spiffe_refresh_hint", refreshHint.toSeconds());
        return JSON.writeValueAsString(root);
    }

    /**
     * Reads the X.509 authorities of a SPIFFE bundle. Entries for other uses (JWT-SVID keys) are
     * skipped, as the SPIFFE Trust Domain and Bundle spec asks; a malformed X.509 entry is an error.
     */
    public static TrustBundle fromSpiffeBundleJson(String trustDomain, String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("SPIFFE bundle is not valid JSON: " + e.getOriginalMessage());
        }
        JsonNode keys = root.get("keys");
        if (keys == null || !keys.isArray()) {
            throw new IllegalArgumentException("SPIFFE bundle has no 'keys' array");
        }
        List<X509Certificate> authorities = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            JsonNode key = keys.get(i);
            JsonNode use = key.get("use");
            if (use == null || !X509_SVID_USE.equals(use.asString())) {
                continue;
            }
            JsonNode x5c = key.get("x5c");
            if (x5c == null || !x5c.isArray() || x5c.size() != 1) {
                throw new IllegalArgumentException("SPIFFE bundle key " + i + ": an x509-svid entry needs exactly one x5c certificate");
            }
            X509Certificate certificate = decodeDer(x5c.get(0).asString(), i);
            checkMatches(key, certificate.getPublicKey(), i);
            authorities.add(certificate);
        }
        if (authorities.isEmpty()) {
            throw new IllegalArgumentException("SPIFFE bundle has no x509-svid authority");
        }
        return new TrustBundle(trustDomain, authorities);
    }

    private static X509Certificate decodeDer(String base64, int index) {
        try {
            byte[] der = Base64.getDecoder().decode(base64);
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new java.io.ByteArrayInputStream(der));
        } catch (IllegalArgumentException | CertificateException e) {
            throw new IllegalArgumentException("SPIFFE bundle key " + index + ": unreadable x5c certificate: " + e.getMessage());
        }
    }

    private static void checkMatches(JsonNode key, PublicKey certificateKey, int index) {
        ObjectNode expected = JSON.createObjectNode();
        putPublicKey(expected, certificateKey);
        for (var field : expected.properties()) {
            JsonNode actual = key.get(field.getKey());
            if (actual == null || !actual.asString().equals(field.getValue().asString())) {
                throw new IllegalArgumentException("SPIFFE bundle key " + index + ": JWK field '" + field.getKey()
                        + "' does not match the x5c certificate's public key");
            }
        }
    }

    private static void putPublicKey(ObjectNode jwk, PublicKey key) {
        Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
        switch (key) {
            case ECPublicKey ec -> {
                int size = (ec.getParams().getCurve().getField().getFieldSize() + 7) / 8;
                jwk.put("kty", "EC");
                jwk.put("crv", switch (size) {
                    case 32 -> "P-256";
                    case 48 -> "P-384";
                    case 66 -> "P-521";
                    default -> throw new IllegalArgumentException("unsupported EC curve of " + size + " bytes");
                });
                jwk.put("x", url.encodeToString(unsigned(ec.getW().getAffineX(), size)));
                jwk.put("y", url.encodeToString(unsigned(ec.getW().getAffineY(), size)));
            }
            case RSAPublicKey rsa -> {
                jwk.put("kty", "RSA");
                jwk.put("n", url.encodeToString(unsigned(rsa.getModulus(), (rsa.getModulus().bitLength() + 7) / 8)));
                jwk.put("e", url.encodeToString(unsigned(rsa.getPublicExponent(), (rsa.getPublicExponent().bitLength() + 7) / 8)));
            }
            default -> throw new IllegalArgumentException("unsupported key type " + key.getAlgorithm());
        }
    }

    /** Big-endian, unsigned, left-padded to exactly {@code size} bytes (RFC 7518 §6.2.1.2). */
    private static byte[] unsigned(BigInteger value, int size) {
        byte[] bytes = value.toByteArray();
        if (bytes.length == size) {
            return bytes;
        }
        byte[] out = new byte[size];
        int copy = Math.min(bytes.length, size);
        System.arraycopy(bytes, bytes.length - copy, out, size - copy, copy);
        return out;
    }

    @Override
    public String toString() {
        return "TrustBundle[" + trustDomain + ", " + authorities.size() + " authorities: "
                + Arrays.toString(authorities.stream().map(c -> c.getSubjectX500Principal().getName()).toArray()) + "]";
    }
}
