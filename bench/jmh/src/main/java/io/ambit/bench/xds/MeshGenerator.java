package io.ambit.bench.xds;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;

import io.ambit.identity.Pem;
import io.ambit.testkit.IssuedCertificate;
import io.ambit.testkit.TestCa;

/**
 * Writes the benchmark's mesh (namespaces labelled ambient, Services, Pods selected by them) as
 * one YAML file for the xDS server's local store, and throwaway certificates for the server and
 * its clients: {@code generate <dir> <pods> <services>}.
 */
final class MeshGenerator {

    static final int NAMESPACES = 100;

    private MeshGenerator() {
    }

    static void generate(Path dir, int pods, int services) throws IOException {
        Files.createDirectories(dir.resolve("config"));
        int servicesPerNamespace = Math.max(1, services / NAMESPACES);
        // One file per namespace, as a team would keep them (and each well under the store's per-file limit).
        for (int n = 0; n < NAMESPACES; n++) {
            try (Writer yaml = Files.newBufferedWriter(dir.resolve("config/bench-" + n + ".yaml"))) {
                yaml.write("apiVersion: v1\nkind: Namespace\nmetadata: {name: bench-" + n
                        + ", labels: {istio.io/dataplane-mode: ambient}}\n");
                for (int s = n * servicesPerNamespace; s < Math.min(services, (n + 1) * servicesPerNamespace); s++) {
                    yaml.write("---\napiVersion: v1\nkind: Service\nmetadata: {name: svc-" + (s % servicesPerNamespace)
                            + ", namespace: bench-" + n + "}\nspec: {selector: {app: svc-" + (s % servicesPerNamespace)
                            + "}, clusterIP: " + ip(96, s)
                            + ", ports: [{name: http, port: 80, targetPort: 8080}, {name: grpc, port: 9090, targetPort: 9090}]}\n");
                }
                for (int p = n; p < pods; p += NAMESPACES) {
                    yaml.write("---\n");
                    yaml.write(pod(p, servicesPerNamespace, pods, true));
                }
            }
        }
        TestCa ca = TestCa.newRoot("cluster.local");
        write(dir, "root.pem", Pem.encode(ca.root()));
        IssuedCertificate server = ca.issue("spiffe://cluster.local/ns/istio-system/sa/xds-server");
        write(dir, "server-chain.pem", Pem.encodeCertificates(server.chain()));
        write(dir, "server-key.pem", Pem.encode(server.privateKey()));
        IssuedCertificate client = ca.issue("spiffe://cluster.local/ns/istio-system/sa/ztunnel");
        write(dir, "client-chain.pem", Pem.encodeCertificates(client.chain()));
        write(dir, "client-key.pem", Pem.encode(client.privateKey()));
    }

    /** Pod {@code p}: in namespace p mod 100, selected by one Service there, on one of 50 nodes. */
    static String pod(int p, int servicesPerNamespace, int pods, boolean ready) {
        int namespace = p % NAMESPACES;
        int app = (p / NAMESPACES) % servicesPerNamespace;
        return "apiVersion: v1\nkind: Pod\nmetadata: {name: pod-" + p + ", namespace: bench-" + namespace
                + ", labels: {app: svc-" + app + ", version: v1}}\nspec: {nodeName: node-" + (p % 50)
                + ", serviceAccountName: sa-" + app + ", containers: [{name: app, image: app:1, ports: [{name: http, containerPort: 8080}]}]}\n"
                + "status: {podIP: " + ip(244, p) + ", conditions: [{type: Ready, status: \"" + (ready ? "True" : "False") + "\"}]}\n";
    }

    static String ip(int second, int index) {
        return "10." + second + "." + (index / 250) + "." + (index % 250 + 1);
    }

    private static void write(Path dir, String name, String content) throws IOException {
        Files.writeString(dir.resolve(name), content);
    }
}
