package io.ambit.caclient;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.ambit.identity.TrustBundle;

/**
 * Where a mesh component reads the roots from: a PEM file (Kubernetes: the mounted
 * {@code istio-ca-root-cert} ConfigMap) or, in local mode, the CA's bundle URL on loopback. Read
 * at each certificate request, so a rotated root arrives with the next certificate.
 *
 * @param file the PEM file, or null to use {@code url}
 * @param url  the CA's {@code /ca/root-cert.pem}
 */
public record TrustBundleSource(Path file, String url) {

    public TrustBundle read(String trustDomain) throws IOException, InterruptedException {
        if (file != null) {
            return TrustBundle.fromPem(trustDomain, Files.readString(file));
        }
        HttpResponse<String> response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
                .send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("trust bundle " + url + " answered " + response.statusCode());
        }
        return TrustBundle.fromPem(trustDomain, response.body());
    }
}
