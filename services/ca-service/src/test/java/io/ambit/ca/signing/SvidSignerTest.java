package io.ambit.ca.signing;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.ambit.ca.CaTestSupport;
import io.ambit.ca.crypto.SignatureEngine;
import io.ambit.ca.crypto.SignatureEngines;
import io.ambit.ca.keys.CaKeyMaterial;
import io.ambit.ca.keys.SelfSignedRoot;
import io.ambit.identity.KeyPairs;
import io.ambit.identity.SpiffeId;
import io.ambit.identity.SvidValidator;
import io.ambit.identity.X509Svids;
import org.bouncycastle.asn1.x509.Extension;
import org.junit.jupiter.api.Test;

class SvidSignerTest {

    static final SpiffeId SLEEP = SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/sleep");
    static final SignatureEngine ENGINE = SignatureEngines.best();
    final CaKeyMaterial ca = SelfSignedRoot.create("cluster.local");

    @Test
    void issuesCertificatesShapedAsTheX509SvidSpecAsks() throws Exception {
        Instant now = Instant.parse("2026-11-26T12:00:00Z");
        KeyPair keys = KeyPairs.ecP256();
        List<X509Certificate> chain = new SvidSigner(ca, Clock.fixed(now, ZoneOffset.UTC), ENGINE)
                .sign(SLEEP, keys.getPublic(), Duration.ofHours(24));
        X509Certificate leaf = chain.getFirst();

        assertThat(chain).hasSize(2);
        assertThat(chain.getLast()).isEqualTo(ca.root());
        assertThat(X509Svids.uriSans(leaf)).containsExactly(SLEEP.toString());
        assertThat(leaf.getSubjectAlternativeNames()).hasSize(1);
        assertThat(leaf.getSubjectX500Principal().getName()).isEmpty();
        assertThat(leaf.getCriticalExtensionOIDs()).contains(Extension.subjectAlternativeName.getId(),
                Extension.keyUsage.getId(), Extension.basicConstraints.getId());
        assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
        assertThat(leaf.getKeyUsage()).containsExactly(true, false, false, false, false, false, false, false, false);
        assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(leaf.getNotBefore().toInstant()).isEqualTo(now.minus(Duration.ofMinutes(1)));
        assertThat(leaf.getNotAfter().toInstant()).isEqualTo(now.plus(Duration.ofHours(24)));
        assertThat(leaf.getExtensionValue(Extension.authorityKeyIdentifier.getId())).isNotNull();
        assertThat(leaf.getExtensionValue(Extension.subjectKeyIdentifier.getId())).isNotNull();
        assertThat(leaf.getPublicKey()).isEqualTo(keys.getPublic());
        leaf.verify(ca.signingPublicKey());
    }

    @Test
    void certificatesPassOurValidatorAndOpensslStrictVerify() {
        List<X509Certificate> chain = new SvidSigner(ca, Clock.systemUTC(), ENGINE).sign(SLEEP, KeyPairs.ecP256().getPublic(), Duration.ofHours(1));
        assertThat(SvidValidator.validate(chain, ca.bundle(), Instant.now())).isEqualTo(SLEEP);
        CaTestSupport.assertOpensslVerifies(chain);
    }

    @Test
    void rsaKeysAlsoGetKeyEncipherment() throws Exception {
        X509Certificate leaf = new SvidSigner(ca, Clock.systemUTC(), ENGINE)
                .sign(SLEEP, CsrPolicyTest.rsa(2048).getPublic(), Duration.ofHours(1)).getFirst();
        assertThat(leaf.getKeyUsage()[0]).isTrue();
        assertThat(leaf.getKeyUsage()[2]).isTrue();
    }

    @Test
    void serialsArePositiveAndUnique() {
        SvidSigner signer = new SvidSigner(ca, Clock.systemUTC(), ENGINE);
        Set<java.math.BigInteger> serials = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            var serial = signer.sign(SLEEP, KeyPairs.ecP256().getPublic(), Duration.ofHours(1)).getFirst().getSerialNumber();
            assertThat(serial.signum()).isPositive();
            assertThat(serial.bitLength()).isBetween(64, 127);
            serials.add(serial);
        }
        assertThat(serials).hasSize(200);
    }

    @Test
    void neverOutlivesTheSigner() {
        Instant nearEnd = ca.notAfter().minus(Duration.ofHours(2));
        X509Certificate leaf = new SvidSigner(ca, Clock.fixed(nearEnd, ZoneOffset.UTC), ENGINE)
                .sign(SLEEP, KeyPairs.ecP256().getPublic(), Duration.ofHours(24)).getFirst();
        assertThat(leaf.getNotAfter().toInstant()).isEqualTo(ca.notAfter());
    }
}
