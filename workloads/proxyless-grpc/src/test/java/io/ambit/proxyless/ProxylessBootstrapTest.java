package io.ambit.proxyless;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import io.ambit.identity.Pem;
import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.identity.TrustBundle;
import io.ambit.testkit.IssuedCertificate;
import io.ambit.testkit.TestCa;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ProxylessBootstrapTest {

    @Test
    void writesGrpcXdsBootstrapWithTheAmbitMtlsCredentialsOwnerOnly(@TempDir Path dir) throws Exception {
        TestCa ca = TestCa.newRoot("cluster.local");
        IssuedCertificate issued = ca.issueWorkload("demo", "frontend");
        Svid svid = new Svid(SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/frontend"), issued.privateKey(), issued.chain());
        MeshPod pod = new MeshPod("demo", "frontend", InetAddress.ofLiteral("10.244.1.10"), "node-a", "frontend");
        SpiffeId xds = SpiffeId.parse("spiffe://cluster.local/ns/istio-system/sa/xds-server");

        ProxylessBootstrap files = ProxylessBootstrap.write(dir.resolve("demo.frontend"), pod, svid,
                TrustBundle.of("cluster.local", ca.root()), "127.0.0.1:15010", xds);

        JsonNode json = JsonMapper.shared().readTree(Files.readString(files.bootstrap()));
        assertThat(json.path("node").path("id").asString()).isEqualTo("sidecar~10.244.1.10~frontend.demo~demo.svc.cluster.local");
        JsonNode server = json.path("xds_servers").path(0);
        assertThat(server.path("server_uri").asString()).isEqualTo("127.0.0.1:15010");
        assertThat(server.path("server_features").path(0).asString()).isEqualTo("xds_v3");
        JsonNode creds = server.path("channel_creds").path(0);
        assertThat(creds.path("type").asString()).isEqualTo("ambit_mtls");
        assertThat(creds.path("config").path("server_spiffe_id").asString()).isEqualTo(xds.toString());
        assertThat(creds.path("config").path("certificate_file").asString()).isEqualTo(files.certificate().toAbsolutePath().toString());
        // what the credentials provider will read back is the same identity and key
        Svid back = Svid.fromPem(Files.readString(files.certificate()), Files.readString(files.key()));
        assertThat(back.id()).isEqualTo(svid.id());
        assertThat(Pem.readCertificates(Files.readString(files.roots()))).containsExactly(ca.root());
        for (Path p : new Path[] {files.bootstrap(), files.certificate(), files.key(), files.roots()}) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).as(p.toString()).isEqualTo("rw-------");
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("demo.frontend")))).isEqualTo("rwx------");
        try (var listing = Files.list(dir.resolve("demo.frontend"))) {
            assertThat(listing.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                    "bootstrap.json", "cert-chain.pem", "key.pem", "root-cert.pem");
        }
    }
}
