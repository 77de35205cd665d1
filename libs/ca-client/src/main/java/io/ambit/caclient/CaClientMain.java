package io.ambit.caclient;

import io.ambit.identity.WorkloadIdentity;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

import io.ambit.identity.Pem;
import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.identity.TrustBundle;
import io.grpc.StatusRuntimeException;

/**
 * Command line, acting as a node agent would:
 * {@code ca-client --token-file <file holding the bootstrap token> [--ca host:port] [--bundle-url url] <spiffe id>}.
 * Prints the granted certificate's identity and expiry, or the CA's refusal; exit 0 or 1.
 */
public final class CaClientMain {

    private CaClientMain() {
    }

    public static void main(String[] args) throws Exception {
        String ca = "127.0.0.1:15012";
        String bundleUrl = "http://127.0.0.1:15014/ca/root-cert.pem";
        String token = null;
        String trustDomain = "cluster.local";
        String meshNamespace = "istio-system";
        String identity = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--ca" -> ca = args[++i];
                case "--bundle-url" -> bundleUrl = args[++i];
                case "--token-file" -> token = readToken(args[++i]);
                case "--mesh-namespace" -> meshNamespace = args[++i];
                default -> identity = args[i];
            }
        }
        if (identity == null || token == null) {
            System.err.println("usage: ca-client --token-file <file holding the node bootstrap token> [--ca host:port] [--bundle-url url] spiffe://<td>/ns/<ns>/sa/<sa>");
            System.exit(2);
        }
        SpiffeId asked = SpiffeId.parse(identity);
        trustDomain = asked.trustDomain();
        String pem = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(bundleUrl)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        TrustBundle bundle = TrustBundle.fromPem(trustDomain, pem);
        String[] hostPort = ca.split(":");
        SpiffeId caId = new WorkloadIdentity(trustDomain, meshNamespace, "ca-service").spiffeId();
        try (CaClient client = CaClient.connect(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])),
                bundle, caId, Optional.empty())) {
            Svid svid = client.request(asked, true, Optional.of(token), Duration.ofHours(24));
            System.out.println("granted " + svid.id() + " serial " + svid.leaf().getSerialNumber().toString(16)
                    + " valid until " + svid.notAfter());
            System.out.print(Pem.encode(svid.leaf()));
        } catch (StatusRuntimeException e) {
            System.out.println("refused: " + e.getStatus().getCode() + ": " + e.getStatus().getDescription());
            System.exit(1);
        }
    }

    /** The token from a file, never from the command line, where every local user could read it (ps). */
    private static String readToken(String file) throws java.io.IOException {
        return java.nio.file.Files.readString(java.nio.file.Path.of(file)).strip();
    }
}
