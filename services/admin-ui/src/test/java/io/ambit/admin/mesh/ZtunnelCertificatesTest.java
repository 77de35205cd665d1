package io.ambit.admin.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Entries of a ztunnel's {@code certificates} that are not what ztunnel writes still read, emptily. */
class ZtunnelCertificatesTest {

    static final JsonMapper JSON = JsonMapper.builder().build();
    static final Instant NOW = Instant.parse("2026-12-03T12:00:00Z");

    @Test
    void readsTheLeafOfAnAvailableEntry() {
        CertificateInfo info = read("""
                {"identity":"spiffe://td/ns/a/sa/b","state":"Available","certChain":[
                 {"pem":"","serialNumber":"271676055104741785552467469040731750696653685944",
                  "validFrom":"2026-12-03T06:00:00Z","expirationTime":"2026-12-03T18:00:00Z"}],"rootCerts":[]}""");
        assertThat(info.state()).isEqualTo("available");
        assertThat(info.serialNumber()).isEqualTo("271676055104741785552467469040731750696653685944");
        assertThat(info.notBefore()).isEqualTo("2026-12-03T06:00:00Z");
        assertThat(info.remainingSeconds()).isEqualTo(6 * 3600);
        assertThat(info.issuer()).as("no PEM, no issuer").isEmpty();
    }

    @Test
    void unavailableAndInitializingAreNotAvailable() {
        assertThat(read("{\"identity\":\"x\",\"state\":\"Initializing\",\"certChain\":[],\"rootCerts\":[]}").state()).isEqualTo("pending");
        assertThat(read("{\"identity\":\"x\",\"state\":\"Unavailable: the identity is no longer needed\"}").state())
                .isEqualTo("unavailable: the identity is no longer needed");
    }

    @Test
    void hostileFieldsGiveEmptyValuesNotErrors() {
        CertificateInfo info = read("""
                {"identity":7,"state":["x"],"certChain":[{"pem":"%%%not base64","serialNumber":{},"validFrom":1,
                 "expirationTime":"yesterday"}]}""");
        assertThat(info.remainingSeconds()).isZero();
        assertThat(info.issuer()).isEmpty();
        assertThat(read("{}").state()).isEqualTo("unknown");
        assertThat(read("{\"certChain\":[{\"pem\":\"bm90IGEgY2VydGlmaWNhdGU=\"}]}").issuer()).isEmpty();
    }

    private static CertificateInfo read(String json) {
        JsonNode entry = JSON.readTree(json);
        return ZtunnelCertificates.read("node-a", entry, NOW);
    }
}
