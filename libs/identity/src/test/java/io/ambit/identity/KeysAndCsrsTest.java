package io.ambit.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.interfaces.ECPublicKey;

import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.Test;

class KeysAndCsrsTest {

    @Test
    void generatesP256Keys() {
        KeyPair keys = KeyPairs.ecP256();
        assertThat(((ECPublicKey) keys.getPublic()).getParams().getCurve().getField().getFieldSize()).isEqualTo(256);
    }

    @Test
    void csrCarriesOnlyTheUriSanAndVerifies() throws Exception {
        KeyPair keys = KeyPairs.ecP256();
        SpiffeId id = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/sleep");
        PKCS10CertificationRequest csr = Pem.readCsr(Csrs.createPem(keys, id));

        assertThat(csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(keys.getPublic()))).isTrue();
        assertThat(csr.getSubject().getRDNs()).isEmpty();
        Extensions extensions = Extensions.getInstance(
                csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)[0].getAttrValues().getObjectAt(0));
        GeneralName[] names = GeneralNames.fromExtensions(extensions, Extension.subjectAlternativeName).getNames();
        assertThat(names).hasSize(1);
        assertThat(names[0].getTagNo()).isEqualTo(GeneralName.uniformResourceIdentifier);
        assertThat(names[0].getName().toString()).isEqualTo(id.toString());
    }

    @Test
    void privateKeysRoundTripThroughPem() {
        KeyPair keys = KeyPairs.ecP256();
        String pem = Pem.encode(keys.getPrivate());
        assertThat(pem).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(Pem.readPrivateKey(pem).getEncoded()).isEqualTo(keys.getPrivate().getEncoded());
    }

    @Test
    void pemReadersNameWhatTheyExpected() {
        assertThatThrownBy(() -> Pem.readPrivateKey("")).isInstanceOf(PemException.class)
                .hasMessageContaining("no PEM block");
        assertThatThrownBy(() -> Pem.readCsr(Pem.encode(KeyPairs.ecP256().getPrivate())))
                .isInstanceOf(PemException.class).hasMessageContaining("expected a CERTIFICATE REQUEST");
        assertThatThrownBy(() -> Pem.readCsr("-----BEGIN CERTIFICATE REQUEST-----\n!!!!\n-----END CERTIFICATE REQUEST-----\n"))
                .isInstanceOf(PemException.class).hasMessageContaining("malformed certificate request PEM");
    }
}
