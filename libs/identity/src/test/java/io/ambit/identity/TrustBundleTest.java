package io.ambit.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import io.ambit.testkit.TestCa;
import io.ambit.testkit.TestCaExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@ExtendWith(TestCaExtension.class)
class TrustBundleTest {

    @Test
    void roundTripsThroughPem(TestCa ca) {
        TestCa second = TestCa.newRoot(ca.trustDomain());
        TrustBundle bundle = TrustBundle.of(ca.trustDomain(), ca.root(), second.root());
        TrustBundle read = TrustBundle.fromPem(ca.trustDomain(), bundle.toPem());
        assertThat(read.authorities()).containsExactly(ca.root(), second.root());
    }

    @Test
    void writesASpiffeBundle(TestCa ca) {
        String json = TrustBundle.of(ca.trustDomain(), ca.root()).toSpiffeBundleJson(Duration.ofMinutes(5));
        JsonNode root = JsonMapper.builder().build().readTree(json);
        JsonNode key = root.get("keys").get(0);
        assertThat(key.get("use").asString()).isEqualTo("x509-svid");
        assertThat(key.get("kty").asString()).isEqualTo("EC");
        assertThat(key.get("crv").asString()).isEqualTo("P-256");
        assertThat(java.util.Base64.getUrlDecoder().decode(key.get("x").asString())).hasSize(32);
        assertThat(java.util.Base64.getUrlDecoder().decode(key.get("y").asString())).hasSize(32);
        assertThat(key.get("x5c")).hasSize(1);
        assertThat(root.get("spiffe_refresh_hint").asLong()).isEqualTo(300);
    }

    @Test
    void roundTripsThroughTheSpiffeBundleFormat(TestCa ca) {
        TrustBundle bundle = TrustBundle.of(ca.trustDomain(), ca.root());
        TrustBundle read = TrustBundle.fromSpiffeBundleJson(ca.trustDomain(), bundle.toSpiffeBundleJson(Duration.ofMinutes(1)));
        assertThat(read.authorities()).containsExactly(ca.root());
    }

    @Test
    void skipsJwtKeysButRejectsMalformedX509Entries(TestCa ca) {
        String x5c = java.util.Base64.getEncoder().encodeToString(encoded(ca));
        String withJwt = """
                {"keys":[{"use":"jwt-svid","kty":"EC","kid":"k1","crv":"P-256","x":"AA","y":"AA"}]}""";
        assertThatThrownBy(() -> TrustBundle.fromSpiffeBundleJson("cluster.local", withJwt))
                .hasMessageContaining("no x509-svid authority");
        String twoCerts = "{\"keys\":[{\"use\":\"x509-svid\",\"x5c\":[\"" + x5c + "\",\"" + x5c + "\"]}]}";
        assertThatThrownBy(() -> TrustBundle.fromSpiffeBundleJson("cluster.local", twoCerts))
                .hasMessageContaining("exactly one x5c");
        String mismatch = "{\"keys\":[{\"use\":\"x509-svid\",\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AA\",\"y\":\"AA\",\"x5c\":[\"" + x5c + "\"]}]}";
        assertThatThrownBy(() -> TrustBundle.fromSpiffeBundleJson("cluster.local", mismatch))
                .hasMessageContaining("does not match the x5c certificate");
        assertThatThrownBy(() -> TrustBundle.fromSpiffeBundleJson("cluster.local", "{\"keys\":[{\"use\":\"x509-svid\",\"x5c\":[\"!!\"]}]}"))
                .hasMessageContaining("unreadable x5c");
        assertThatThrownBy(() -> TrustBundle.fromSpiffeBundleJson("cluster.local", "{not json"))
                .hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> TrustBundle.fromSpiffeBundleJson("cluster.local", "{}"))
                .hasMessageContaining("no 'keys' array");
    }

    @Test
    void rejectsGarbagePem() {
        assertThatThrownBy(() -> TrustBundle.fromPem("cluster.local", "hello"))
                .isInstanceOf(PemException.class).hasMessageContaining("no CERTIFICATE block");
        assertThatThrownBy(() -> TrustBundle.fromPem("cluster.local",
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
                .isInstanceOf(PemException.class).hasMessageContaining("malformed certificate PEM");
    }

    private static byte[] encoded(TestCa ca) {
        try {
            return ca.root().getEncoded();
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new AssertionError(e);
        }
    }
}
