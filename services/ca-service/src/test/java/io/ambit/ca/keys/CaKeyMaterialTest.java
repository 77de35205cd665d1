package io.ambit.ca.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.ambit.ca.CaTestSupport;
import io.ambit.ca.signing.SvidSigner;
import io.ambit.identity.KeyPairs;
import io.ambit.identity.Pem;
import io.ambit.identity.SpiffeId;
import io.ambit.identity.SvidValidator;
import io.ambit.testkit.IssuedCertificate;
import io.ambit.testkit.TestCa;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaKeyMaterialTest {

    static final SpiffeId SLEEP = SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/sleep");

    @TempDir
    Path dir;

    @Test
    void selfSignedRootIsCreatedOnceAndReusedAfterRestart() throws Exception {
        CaKeyMaterial first = DirectoryCaKeyStore.selfSigned(dir, "cluster.local").loadOrCreate();
        CaKeyMaterial second = DirectoryCaKeyStore.selfSigned(dir, "cluster.local").loadOrCreate();
        assertThat(second.root()).isEqualTo(first.root());
        assertThat(second.signingKey().getEncoded()).isEqualTo(first.signingKey().getEncoded());
        assertThat(Files.getPosixFilePermissions(dir.resolve(CaCertsLayout.CA_KEY)))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assertThat(first.root().getBasicConstraints()).isNotNegative();
        assertThat(Duration.between(first.root().getNotBefore().toInstant(), first.notAfter()).toDays()).isGreaterThanOrEqualTo(3649);
    }

    @Test
    void aPluginIntermediateSignsAndTheChainIsComplete() {
        TestCa root = TestCa.newRoot("cluster.local");
        TestCa intermediate = root.newIntermediate();
        writePlugin(intermediate, Pem.encodeCertificates(List.of(intermediate.certificate())));

        CaKeyMaterial plugin = DirectoryCaKeyStore.pluginCerts(dir, "cluster.local").loadOrCreate();
        assertThat(plugin.chain()).containsExactly(intermediate.certificate(), root.root());
        var chain = new SvidSigner(plugin, Clock.systemUTC(), io.ambit.ca.crypto.SignatureEngines.best()).sign(SLEEP, KeyPairs.ecP256().getPublic(), Duration.ofHours(1));
        assertThat(chain).hasSize(3);
        assertThat(SvidValidator.validate(chain, plugin.bundle(), java.time.Instant.now())).isEqualTo(SLEEP);
        CaTestSupport.assertOpensslVerifies(chain);
    }

    @Test
    void refusesAKeyThatDoesNotMatchItsCertificate() {
        TestCa root = TestCa.newRoot("cluster.local");
        Map<String, String> files = layout(root.newIntermediate(), null);
        files.put(CaCertsLayout.CA_KEY, Pem.encode(KeyPairs.ecP256().getPrivate()));
        assertThatThrownBy(() -> CaCertsLayout.read(files, "cluster.local", "cacerts"))
                .isInstanceOf(CaKeyMaterialException.class)
                .hasMessageContaining("ca-key.pem does not match the certificate in ca-cert.pem");
    }

    @Test
    void refusesACaCertificateWithoutKeyCertSign() {
        TestCa root = TestCa.newRoot("cluster.local");
        IssuedCertificate notACa = root.leaf("spiffe://cluster.local/ns/x/sa/y").issue();
        Map<String, String> files = new HashMap<>();
        files.put(CaCertsLayout.CA_CERT, Pem.encode(notACa.certificate()));
        files.put(CaCertsLayout.CA_KEY, Pem.encode(notACa.privateKey()));
        files.put(CaCertsLayout.ROOT_CERT, Pem.encode(root.root()));
        assertThatThrownBy(() -> CaCertsLayout.read(files, "cluster.local", "cacerts"))
                .isInstanceOf(CaKeyMaterialException.class)
                .hasMessageContaining("is not a CA certificate");
        IssuedCertificate caWithoutSign = root.leaf("spiffe://cluster.local/ns/x/sa/ca").asCa().keyUsage(org.bouncycastle.asn1.x509.KeyUsage.digitalSignature).issue();
        files.put(CaCertsLayout.CA_CERT, Pem.encode(caWithoutSign.certificate()));
        files.put(CaCertsLayout.CA_KEY, Pem.encode(caWithoutSign.privateKey()));
        assertThatThrownBy(() -> CaCertsLayout.read(files, "cluster.local", "cacerts"))
                .hasMessageContaining("lacks the keyCertSign key usage");
    }

    @Test
    void refusesAChainThatDoesNotLeadToTheRoot() {
        TestCa intermediate = TestCa.newRoot("cluster.local").newIntermediate();
        Map<String, String> files = layout(intermediate, null);
        files.put(CaCertsLayout.ROOT_CERT, Pem.encode(TestCa.newRoot("cluster.local").root()));
        assertThatThrownBy(() -> CaCertsLayout.read(files, "cluster.local", "cacerts"))
                .isInstanceOf(CaKeyMaterialException.class)
                .hasMessageContaining("does not lead to any certificate in root-cert.pem");
    }

    @Test
    void aMissingPluginDirectoryIsAClearError() {
        assertThatThrownBy(() -> DirectoryCaKeyStore.pluginCerts(dir.resolve("nope"), "cluster.local").loadOrCreate())
                .isInstanceOf(CaKeyMaterialException.class).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> DirectoryCaKeyStore.pluginCerts(dir, "cluster.local").loadOrCreate())
                .isInstanceOf(CaKeyMaterialException.class).hasMessageContaining("ca-cert.pem is missing");
    }

    private void writePlugin(TestCa intermediate, String chain) {
        try {
            for (var file : layout(intermediate, chain).entrySet()) {
                Files.writeString(dir.resolve(file.getKey()), file.getValue());
            }
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Istio's cacerts files for an intermediate test CA. */
    private static Map<String, String> layout(TestCa intermediate, String chain) {
        Map<String, String> files = new HashMap<>();
        files.put(CaCertsLayout.CA_CERT, Pem.encode(intermediate.certificate()));
        files.put(CaCertsLayout.CA_KEY, Pem.encode(intermediate.privateKey()));
        files.put(CaCertsLayout.ROOT_CERT, Pem.encode(intermediate.root()));
        if (chain != null) {
            files.put(CaCertsLayout.CERT_CHAIN, chain);
        }
        return files;
    }
}
