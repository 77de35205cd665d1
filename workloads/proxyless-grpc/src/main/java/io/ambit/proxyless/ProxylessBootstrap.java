package io.ambit.proxyless;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import io.ambit.identity.Pem;
import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.identity.TrustBundle;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a proxyless gRPC client needs on disk: its SVID, the mesh's roots and grpc-xds's bootstrap
 * ({@code GRPC_XDS_BOOTSTRAP}), naming the xDS server, the {@code ambit_mtls} channel credentials
 * over those files and the pod's node id. Written owner-only (the key is a workload's secret).
 */
record ProxylessBootstrap(Path bootstrap, Path certificate, Path key, Path roots) {

    static ProxylessBootstrap write(Path dir, MeshPod pod, Svid svid, TrustBundle bundle, String xdsServer, SpiffeId xdsIdentity)
            throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Path cert = ownerOnly(dir.resolve("cert-chain.pem"), Pem.encodeCertificates(svid.chain()));
        Path key = ownerOnly(dir.resolve("key.pem"), Pem.encode(svid.key()));
        Path roots = ownerOnly(dir.resolve("root-cert.pem"), bundle.toPem());
        Map<String, Object> json = Map.of(
                "xds_servers", List.of(Map.of(
                        "server_uri", xdsServer,
                        "server_features", List.of("xds_v3"),
                        "channel_creds", List.of(Map.of("type", "ambit_mtls", "config", Map.of(
                                "certificate_file", cert.toAbsolutePath().toString(),
                                "private_key_file", key.toAbsolutePath().toString(),
                                "ca_certificate_file", roots.toAbsolutePath().toString(),
                                "server_spiffe_id", xdsIdentity.toString()))))),
                "node", Map.of("id", pod.nodeId()));
        Path bootstrap = ownerOnly(dir.resolve("bootstrap.json"),
                JsonMapper.shared().writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n");
        return new ProxylessBootstrap(bootstrap, cert, key, roots);
    }

    /** Replaces {@code file} with {@code content} through a temporary owner-only file, so no reader sees it partial or open. */
    private static Path ownerOnly(Path file, String content) throws IOException {
        Path temporary = Files.createTempFile(file.getParent(), ".write-", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(temporary, content);
        Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return file;
    }
}
