package io.ambit.ca.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.List;

import io.ambit.ca.CaRequestException;
import io.ambit.ca.crypto.SignatureEngines;
import io.ambit.identity.Csrs;
import io.ambit.identity.KeyPairs;
import io.ambit.identity.Pem;
import io.ambit.identity.SpiffeId;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;

class CsrPolicyTest {

    static final SpiffeId SLEEP = SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/sleep");
    final CsrPolicy policy = new CsrPolicy(64 * 1024, Duration.ofHours(24), Duration.ofHours(24), SignatureEngines.best());
    static final SpiffeId XDS = SpiffeId.parse("spiffe://cluster.local/ns/istio-system/sa/xds-server");
    final CsrPolicy controlPlanePolicy = new CsrPolicy(64 * 1024, Duration.ofHours(24), Duration.ofHours(24), SignatureEngines.best(),
            new CsrPolicy.DnsSanRule(java.util.Set.of(XDS), "istio-system", "cluster.local"));

    @Test
    void approvesAGoodCsrWithTheDefaultValidity() {
        KeyPair keys = KeyPairs.ecP256();
        CsrPolicy.Approved approved = policy.check(Csrs.createPem(keys, SLEEP), 0, SLEEP);
        assertThat(approved.publicKey()).isEqualTo(keys.getPublic());
        assertThat(approved.validity()).isEqualTo(Duration.ofHours(24));
        assertThat(policy.check(Csrs.createPem(keys, SLEEP), 3600, SLEEP).validity()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void approvesACsrWithoutSans() {
        KeyPair keys = KeyPairs.ecP256();
        assertThat(policy.check(csr(keys, keys, List.of()), 0, SLEEP).publicKey()).isEqualTo(keys.getPublic());
    }

    @Test
    void acceptsP384AndRsa2048() throws Exception {
        assertThat(policy.check(Csrs.createPem(ec("secp384r1"), SLEEP), 0, SLEEP)).isNotNull();
        assertThat(policy.check(Csrs.createPem(rsa(2048), SLEEP), 0, SLEEP)).isNotNull();
    }

    @Test
    void refusesMalformedPem() {
        assertRefused("hello", 0, "csr_malformed", "not a PEM certificate request");
        assertRefused("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n", 0,
                "csr_malformed", "not a PEM certificate request");
        assertRefused("", 0, "csr_missing", "no CSR");
    }

    @Test
    void refusesACsrSignedByAnotherKey() {
        assertRefused(csr(KeyPairs.ecP256(), KeyPairs.ecP256(), List.of(uri(SLEEP.toString()))), 0,
                "csr_signature_invalid", "proof of possession failed");
    }

    @Test
    void refusesTwoUriSans() {
        KeyPair keys = KeyPairs.ecP256();
        assertRefused(csr(keys, keys, List.of(uri(SLEEP.toString()), uri("spiffe://cluster.local/ns/demo/sa/other"))), 0,
                "csr_multiple_uri_sans", "2 URI SANs");
    }

    @Test
    void refusesADnsSanForAWorkload() {
        KeyPair keys = KeyPairs.ecP256();
        assertRefused(csr(keys, keys, List.of(uri(SLEEP.toString()), dns("sleep.demo.svc"))), 0,
                "csr_dns_san_not_allowed", "sleep.demo.svc: only the control plane's own identities may carry DNS SANs; "
                        + SLEEP + " is a workload identity");
        // the same CSR for the same workload, through a policy that knows the control plane: still refused
        assertThatThrownBy(() -> controlPlanePolicy.check(csr(keys, keys, List.of(uri(SLEEP.toString()), dns("istiod.istio-system.svc"))),
                0, SLEEP)).hasMessageContaining("is a workload identity");
    }

    @Test
    void grantsServiceNamesOfItsNamespaceToTheControlPlane() {
        KeyPair keys = KeyPairs.ecP256();
        CsrPolicy.Approved approved = controlPlanePolicy.check(Csrs.createPem(keys, XDS,
                List.of("xds-server.istio-system.svc", "istiod.istio-system.svc.cluster.local", "localhost")), 0, XDS);
        assertThat(approved.dnsNames())
                .containsExactly("xds-server.istio-system.svc", "istiod.istio-system.svc.cluster.local", "localhost");
    }

    @Test
    void refusesHostileDnsSansEvenForTheControlPlane() {
        KeyPair keys = KeyPairs.ecP256();
        assertControlPlaneRefused(csr(keys, keys, List.of(uri(XDS.toString()), dns("www.example.com"))),
                "csr_dns_san_not_allowed", "not a Service name of namespace istio-system");
        assertControlPlaneRefused(csr(keys, keys, List.of(uri(XDS.toString()), dns("sleep.demo.svc"))),
                "csr_dns_san_not_allowed", "not a Service name");
        assertControlPlaneRefused(csr(keys, keys, List.of(uri(XDS.toString()), dns("*.istio-system.svc"))),
                "csr_dns_san_not_allowed", "no wildcard");
        assertControlPlaneRefused(csr(keys, keys, List.of(dns("istiod.istio-system.svc"))),
                "csr_uri_san_missing", "without the URI SAN");
        List<GeneralName> many = new java.util.ArrayList<>(List.of(uri(XDS.toString())));
        for (int i = 0; i < 17; i++) {
            many.add(dns("s" + i + ".istio-system.svc"));
        }
        assertControlPlaneRefused(csr(keys, keys, many), "csr_too_many_dns_sans", "at most 16");
    }

    private void assertControlPlaneRefused(String csr, String reason, String message) {
        assertThatThrownBy(() -> controlPlanePolicy.check(csr, 0, XDS))
                .isInstanceOfSatisfying(CaRequestException.class, e -> assertThat(e.reason()).isEqualTo(reason))
                .hasMessageContaining(message);
    }

    static GeneralName dns(String value) {
        return new GeneralName(GeneralName.dNSName, value);
    }

    @Test
    void refusesAnIdentityInAnotherTrustDomain() {
        assertRefused(Csrs.createPem(KeyPairs.ecP256(), SpiffeId.parse("spiffe://evil.example/ns/demo/sa/sleep")), 0,
                "csr_wrong_trust_domain", "this CA signs only for cluster.local");
    }

    @Test
    void refusesAnotherIdentity() {
        assertRefused(Csrs.createPem(KeyPairs.ecP256(), SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/admin")), 0,
                "csr_identity_mismatch", "but the caller is authorized for " + SLEEP);
    }

    @Test
    void refusesNegativeOrHugeValidity() {
        String good = Csrs.createPem(KeyPairs.ecP256(), SLEEP);
        assertRefused(good, -1, "validity_negative", "negative");
        assertRefused(good, Long.MAX_VALUE, "validity_too_long", "exceeds the maximum of 86400 s");
        assertRefused(good, 86401, "validity_too_long", "exceeds the maximum");
    }

    @Test
    void refusesAnOversizedCsr() {
        assertRefused("A".repeat(10 * 1024 * 1024), 0, "csr_too_large", "larger than 65536 bytes");
    }

    @Test
    void refusesWeakKeys() throws Exception {
        assertRefused(Csrs.createPem(rsa(1024), SLEEP), 0, "csr_key_not_allowed", "RSA 1024 bits");
        assertRefused(Csrs.createPem(ec("secp521r1"), SLEEP), 0, "csr_key_not_allowed", "521-bit curve");
    }

    private void assertRefused(String csr, long validity, String reason, String message) {
        assertThatThrownBy(() -> policy.check(csr, validity, SLEEP))
                .isInstanceOfSatisfying(CaRequestException.class, e -> {
                    assertThat(e.kind()).isEqualTo(CaRequestException.Kind.INVALID_ARGUMENT);
                    assertThat(e.reason()).isEqualTo(reason);
                })
                .hasMessageContaining(message);
    }

    static GeneralName uri(String value) {
        return new GeneralName(GeneralName.uniformResourceIdentifier, value);
    }

    /** A CSR carrying {@code subject}'s public key but signed by {@code signer}. */
    static String csr(KeyPair subject, KeyPair signer, List<GeneralName> sans) {
        try {
            var builder = new JcaPKCS10CertificationRequestBuilder(new X500Name(new org.bouncycastle.asn1.x500.RDN[0]),
                    subject.getPublic());
            if (!sans.isEmpty()) {
                ExtensionsGenerator extensions = new ExtensionsGenerator();
                extensions.addExtension(Extension.subjectAlternativeName, true,
                        new GeneralNames(sans.toArray(GeneralName[]::new)));
                builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate());
            }
            return Pem.encode(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static KeyPair ec(String curve) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec(curve));
        return generator.generateKeyPair();
    }

    static KeyPair rsa(int bits) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(bits);
        return generator.generateKeyPair();
    }
}
