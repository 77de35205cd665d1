package io.ambit.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.ambit.identity.SvidValidationException.Reason;
import io.ambit.testkit.IssuedCertificate;
import io.ambit.testkit.TestCa;
import io.ambit.testkit.TestCaExtension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestCaExtension.class)
class SvidValidatorTest {

    private static final String SLEEP = "spiffe://cluster.local/ns/default/sa/sleep";

    private static TrustBundle bundleOf(TestCa ca) {
        return TrustBundle.of(ca.trustDomain(), ca.root());
    }

    @Test
    void acceptsAValidSvid(TestCa ca) {
        IssuedCertificate svid = ca.issue(SLEEP);
        assertThat(SvidValidator.validate(svid.chain(), bundleOf(ca), Instant.now()))
                .isEqualTo(SpiffeId.parse(SLEEP));
    }

    @Test
    void acceptsAChainThroughAnIntermediate(TestCa ca) {
        IssuedCertificate svid = ca.newIntermediate().issue(SLEEP);
        assertThat(svid.chain()).hasSize(3);
        assertThat(SvidValidator.validate(svid.chain(), bundleOf(ca), Instant.now()))
                .isEqualTo(SpiffeId.parse(SLEEP));
        // also without the root at the end, as peers usually send it
        assertThat(SvidValidator.validate(svid.chain().subList(0, 2), bundleOf(ca), Instant.now()))
                .isEqualTo(SpiffeId.parse(SLEEP));
    }

    @Test
    void rejectsTwoUriSans(TestCa ca) {
        IssuedCertificate svid = ca.leaf(SLEEP, "spiffe://cluster.local/ns/default/sa/other").issue();
        assertRejected(svid.chain(), bundleOf(ca), Reason.MULTIPLE_URI_SANS, "has 2 URI SANs");
    }

    @Test
    void rejectsNoUriSan(TestCa ca) {
        IssuedCertificate svid = ca.leaf().dnsSan("sleep.default.svc").issue();
        assertRejected(svid.chain(), bundleOf(ca), Reason.NO_URI_SAN, "no URI SAN");
    }

    @Test
    void rejectsAUriSanThatIsNotASpiffeId(TestCa ca) {
        IssuedCertificate svid = ca.leaf("https://cluster.local/ns/default").issue();
        assertRejected(svid.chain(), bundleOf(ca), Reason.INVALID_SPIFFE_ID, "must start with 'spiffe://'");
    }

    @Test
    void rejectsACaCertificateUsedAsLeaf(TestCa ca) {
        IssuedCertificate svid = ca.leaf(SLEEP).asCa().issue();
        assertRejected(svid.chain(), bundleOf(ca), Reason.LEAF_IS_CA, "is a CA certificate");
    }

    @Test
    void rejectsALeafWithKeyCertSign(TestCa ca) {
        IssuedCertificate svid = ca.leaf(SLEEP).keyUsage(KeyUsage.digitalSignature | KeyUsage.keyCertSign).issue();
        assertRejected(svid.chain(), bundleOf(ca), Reason.LEAF_CAN_SIGN_CERTIFICATES, "keyCertSign");
    }

    @Test
    void rejectsTheWrongTrustDomain() {
        TestCa other = TestCa.newRoot("example.org");
        IssuedCertificate svid = other.issue("spiffe://example.org/ns/default/sa/sleep");
        // The bundle holds the right root but names another trust domain.
        assertRejected(svid.chain(), TrustBundle.of("cluster.local", other.root()), Reason.WRONG_TRUST_DOMAIN,
                "is not in trust domain cluster.local");
    }

    @Test
    void rejectsAnExpiredCertificate(TestCa ca) {
        Instant now = Instant.now();
        IssuedCertificate svid = ca.leaf(SLEEP).validity(now.minus(Duration.ofHours(2)), now.minus(Duration.ofMinutes(1))).issue();
        assertRejected(svid.chain(), bundleOf(ca), Reason.EXPIRED, "expired at");
    }

    @Test
    void rejectsACertificateNotYetValid(TestCa ca) {
        Instant now = Instant.now();
        IssuedCertificate svid = ca.leaf(SLEEP).validity(now.plus(Duration.ofMinutes(5)), now.plus(Duration.ofHours(1))).issue();
        assertRejected(svid.chain(), bundleOf(ca), Reason.NOT_YET_VALID, "is not valid before");
    }

    @Test
    void rejectsAnUnknownIssuer(TestCa ca) {
        TestCa stranger = TestCa.newRoot("cluster.local");
        IssuedCertificate svid = stranger.issue(SLEEP);
        assertRejected(svid.chain(), bundleOf(ca), Reason.UNTRUSTED_ISSUER,
                "does not lead to a root in the trust bundle of cluster.local");
    }

    @Test
    void rejectsAnEmptyChain(TestCa ca) {
        assertRejected(List.of(), bundleOf(ca), Reason.EMPTY_CHAIN, "no certificate");
    }

    @Test
    void rejectsTheRootPresentedAsLeaf(TestCa ca) {
        assertRejected(List.of(ca.root()), bundleOf(ca), Reason.NO_URI_SAN, "no URI SAN");
    }

    private static void assertRejected(List<java.security.cert.X509Certificate> chain, TrustBundle bundle,
            Reason reason, String message) {
        assertThatThrownBy(() -> SvidValidator.validate(chain, bundle, Instant.now()))
                .isInstanceOfSatisfying(SvidValidationException.class, e -> assertThat(e.reason()).isEqualTo(reason))
                .hasMessageContaining(message);
    }
}
