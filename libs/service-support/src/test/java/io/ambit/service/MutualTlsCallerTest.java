package io.ambit.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import io.ambit.testkit.IssuedCertificate;
import io.ambit.testkit.TestCa;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Mutual TLS between services: the test service serves HTTPS with an SSL bundle from a mesh CA
 * (PEM files, {@code server.ssl.client-auth=want}); a client certificate naming a control-plane
 * identity is admitted where a rule names that identity, exactly as the same identity's token is,
 * and nowhere else; a workload's certificate proves nothing; bearer tokens keep working over TLS.
 */
@SpringBootTest(classes = TestServiceApplication.class, webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = {"server.port=0", "management.server.port=0", "server.ssl.bundle=mesh", "server.ssl.client-auth=want"})
class MutualTlsCallerTest {

    static final TestCa CA = TestCa.newRoot("cluster.local");
    static final Path DIR = directory();

    static Path directory() {
        try {
            return Files.createTempDirectory("ambit-mtls");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void meshBundle(DynamicPropertyRegistry registry) throws Exception {
        IssuedCertificate server = CA.leaf("spiffe://cluster.local/ns/istio-system/sa/test-service").dnsSan("localhost").issue();
        Path chain = Files.writeString(DIR.resolve("chain.pem"), pem("CERTIFICATE", server.chain().stream().map(MutualTlsCallerTest::der).toList()));
        Path key = Files.writeString(DIR.resolve("key.pem"), pem("PRIVATE KEY", List.of(server.privateKey().getEncoded())));
        Path roots = Files.writeString(DIR.resolve("roots.pem"), pem("CERTIFICATE", List.of(der(CA.root()))));
        registry.add("spring.ssl.bundle.pem.mesh.keystore.certificate", () -> "file:" + chain);
        registry.add("spring.ssl.bundle.pem.mesh.keystore.private-key", () -> "file:" + key);
        registry.add("spring.ssl.bundle.pem.mesh.truststore.certificate", () -> "file:" + roots);
        TestTokens.register(registry);
    }

    @Autowired
    Environment environment;

    static byte[] der(X509Certificate certificate) {
        try {
            return certificate.getEncoded();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String pem(String type, List<byte[]> blocks) {
        StringBuilder out = new StringBuilder();
        for (byte[] block : blocks) {
            out.append("-----BEGIN ").append(type).append("-----\n")
                    .append(Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(block))
                    .append("\n-----END ").append(type).append("-----\n");
        }
        return out.toString();
    }

    /** A JDK client presenting {@code identity}'s certificate (or none) and trusting the mesh root. */
    HttpClient client(IssuedCertificate identity) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        if (identity != null) {
            keys.setKeyEntry("me", identity.privateKey(), new char[0], identity.chain().toArray(Certificate[]::new));
        }
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, new char[0]);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("root", CA.root());
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        SSLContext tls = SSLContext.getInstance("TLSv1.3");
        tls.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1).build();
    }

    int status(IssuedCertificate identity, String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://localhost:" + environment.getProperty("local.server.port") + path));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try (HttpClient client = client(identity)) {
            return client.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        }
    }

    @Test
    void aControlPlaneCertificateReachesWhatItsIdentityIsAdmittedToAndNothingElse() throws Exception {
        IssuedCertificate caService = CA.issueWorkload("istio-system", "ca-service");
        assertThat(status(caService, "/things/by-node", null)).isEqualTo(200);
        assertThat(status(caService, "/things", null)).isEqualTo(403);
        assertThat(status(caService, "/debug/things", null)).isEqualTo(403);
    }

    @Test
    void aWorkloadCertificateOrNoneProvesNothing() throws Exception {
        assertThat(status(CA.issueWorkload("demo", "ca-service"), "/things/by-node", null)).isEqualTo(401);
        assertThat(status(CA.issueWorkload("istio-system", "other-service"), "/things/by-node", null)).isEqualTo(403);
        assertThat(status(null, "/things/by-node", null)).isEqualTo(401);
        assertThat(status(null, "/healthz/ready", null)).isEqualTo(200);
    }

    @Test
    void aCertificateFromAnotherCaNeverGetsThrough() throws Exception {
        IssuedCertificate stranger = TestCa.newRoot("cluster.local").issueWorkload("istio-system", "ca-service");
        int status;
        try {
            status = status(stranger, "/things/by-node", null);
        } catch (IOException refusedInTheHandshake) {
            return; // also a pass: the server's TLS refused the chain
        }
        assertThat(status).isEqualTo(401);
    }

    @Test
    void bearerTokensWorkOverTlsToo() throws Exception {
        assertThat(status(null, "/things", TestTokens.VIEWER)).isEqualTo(200);
        assertThat(status(null, "/debug/things", TestTokens.VIEWER)).isEqualTo(403);
        assertThat(status(null, "/debug/things", TestTokens.ADMIN)).isEqualTo(200);
    }
}
