package io.ambit.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SpiffeIdTest {

    @ParameterizedTest(name = "valid: {0}")
    @CsvSource(delimiter = '|', textBlock = """
            spiffe://cluster.local                              | cluster.local        | ''
            spiffe://cluster.local/ns/default/sa/sleep          | cluster.local        | /ns/default/sa/sleep
            spiffe://example.org/a                              | example.org          | /a
            spiffe://td-with_chars.0-9/Path/With.Mixed-Case_0   | td-with_chars.0-9    | /Path/With.Mixed-Case_0
            spiffe://a/.a/..b/...                               | a                    | /.a/..b/...
            spiffe://1.2.3.4/x                                  | 1.2.3.4              | /x
            """)
    void acceptsValidIds(String uri, String trustDomain, String path) {
        SpiffeId id = SpiffeId.parse(uri);
        assertThat(id.trustDomain()).isEqualTo(trustDomain);
        assertThat(id.path()).isEqualTo(path);
        assertThat(id.toString()).isEqualTo(uri);
    }

    @ParameterizedTest(name = "invalid: [{0}] -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            ''                                        | SPIFFE ID is empty
            cluster.local/ns/default                  | must start with 'spiffe://'
            https://cluster.local/ns/default          | must start with 'spiffe://'
            spiffe:/cluster.local                     | must start with 'spiffe://'
            SPIFFE://cluster.local/ns/default         | scheme must be lower-case
            spiffe://                                 | trust domain is empty
            spiffe:///ns/default                      | trust domain is empty
            spiffe://Cluster.Local/ns/default         | trust domain must be lower-case
            spiffe://clu$ter/ns                       | trust domain contains a character outside [a-z0-9._-]
            spiffe://user@cluster.local/ns            | must not contain user info
            spiffe://cluster.local:8443/ns            | must not contain a port
            spiffe://cluster.local?x=1                | must not contain a query
            spiffe://cluster.local/ns?x=1             | must not contain a query
            spiffe://cluster.local#frag               | must not contain a fragment
            spiffe://cluster.local/ns#frag            | must not contain a fragment
            spiffe://cluster.local/ns/%41             | must not contain percent-encoding
            spiffe://clu%41ster/ns                    | must not contain percent-encoding
            spiffe://cluster.local/                   | path must not end with '/'
            spiffe://cluster.local/ns/                | path must not end with '/'
            spiffe://cluster.local//ns                | path has an empty segment
            spiffe://cluster.local/ns/./sa            | must not contain a '.' segment
            spiffe://cluster.local/ns/../sa           | must not contain a '..' segment
            spiffe://cluster.local/..                 | must not contain a '..' segment
            spiffe://cluster.local/ns/d e             | path contains a character outside [a-zA-Z0-9._-]
            spiffe://cluster.local/ns/dé              | path contains a character outside [a-zA-Z0-9._-]
            spiffe://cluster.local/ns/a+b             | path contains a character outside [a-zA-Z0-9._-]
            """)
    void rejectsInvalidIds(String uri, String message) {
        assertThatThrownBy(() -> SpiffeId.parse(uri))
                .isInstanceOf(InvalidSpiffeIdException.class)
                .hasMessageContaining(message);
    }

    @Test
    void rejectsNull() {
        assertThatThrownBy(() -> SpiffeId.parse(null)).hasMessageContaining("empty");
    }

    @Test
    void rejectsNulByte() {
        assertThatThrownBy(() -> SpiffeId.parse("spiffe://cluster.local/ns/a\0b"))
                .isInstanceOf(InvalidSpiffeIdException.class)
                .hasMessageContaining("NUL byte");
    }

    @Test
    void enforcesTheLengthLimitInBytes() {
        String prefix = "spiffe://cluster.local/";
        String atLimit = prefix + "a".repeat(SpiffeId.MAX_LENGTH_BYTES - prefix.length());
        assertThat(SpiffeId.parse(atLimit).toString()).hasSize(2048);
        assertThatThrownBy(() -> SpiffeId.parse(atLimit + "a"))
                .isInstanceOf(InvalidSpiffeIdException.class)
                .hasMessageContaining("longer than 2048 bytes");
    }

    @Test
    void constructorValidatesToo() {
        assertThatThrownBy(() -> new SpiffeId("cluster.local", "no-slash"))
                .hasMessageContaining("path must start with '/'");
        assertThatThrownBy(() -> new SpiffeId("UPPER", ""))
                .hasMessageContaining("lower-case");
    }

    @Test
    void readsIstioWorkloadIdentity() {
        WorkloadIdentity identity = WorkloadIdentity.parse("spiffe://cluster.local/ns/default/sa/sleep");
        assertThat(identity.trustDomain()).isEqualTo("cluster.local");
        assertThat(identity.namespace()).isEqualTo("default");
        assertThat(identity.serviceAccount()).isEqualTo("sleep");
        assertThat(identity.spiffeId()).isEqualTo(SpiffeId.parse("spiffe://cluster.local/ns/default/sa/sleep"));
        assertThat(new WorkloadIdentity("td", "ns", "sa").toString()).isEqualTo("spiffe://td/ns/ns/sa/sa");
    }

    @ParameterizedTest
    @CsvSource({
            "spiffe://cluster.local",
            "spiffe://cluster.local/ns/default",
            "spiffe://cluster.local/ns/default/sa",
            "spiffe://cluster.local/ns/default/sa/sleep/extra",
            "spiffe://cluster.local/namespace/default/sa/sleep",
            "spiffe://cluster.local/ns/default/serviceaccount/sleep",
    })
    void rejectsNonIstioShapes(String uri) {
        assertThatThrownBy(() -> WorkloadIdentity.parse(uri))
                .isInstanceOf(InvalidSpiffeIdException.class)
                .hasMessageContaining("not an Istio workload identity");
    }

    @Test
    void workloadIdentityValidatesParts() {
        assertThatThrownBy(() -> new WorkloadIdentity("cluster.local", "a/b", "sa"))
                .isInstanceOf(InvalidSpiffeIdException.class)
                .hasMessageContaining("namespace must not contain '/'");
        assertThatThrownBy(() -> new WorkloadIdentity("cluster.local", "ns", ""))
                .hasMessageContaining("service account is empty");
        assertThatThrownBy(() -> new WorkloadIdentity("cluster.local", "n s", "sa"))
                .hasMessageContaining("outside [a-zA-Z0-9._-]");
    }
}
