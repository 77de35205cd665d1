package io.ambit.xds;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.ambit.xds.ads.AdsServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Without a certificate there is no ADS listener, and the server says so: live, but not ready
 * (here the CA address answers nothing, as when ca-service is not up yet).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = {"server.port=0", "management.server.port=0", "ambit.xds.grpc.port=0",
                "ambit.xds.local.config-dir=target/no-such-dir"})
class XdsReadinessTest {

    @TempDir
    static Path files;

    @DynamicPropertySource
    static void unreachableCa(DynamicPropertyRegistry registry) throws Exception {
        Path token = Files.writeString(files.resolve("token"), "bootstrap-token-0123456789");
        Path bundle = Files.writeString(files.resolve("root.pem"), io.ambit.identity.Pem.encode(new TestIdentity().ca.root()));
        registry.add("ambit.xds.identity.token-file", token::toString);
        registry.add("ambit.xds.identity.bundle-file", bundle::toString);
        int closed;
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort(); // nothing listens there once closed
        }
        registry.add("ambit.xds.identity.ca-address", () -> "127.0.0.1:" + closed);
    }

    @Autowired
    Environment environment;

    @Autowired
    AdsServer adsServer;

    @Test
    void liveButNotReadyUntilTheListenerHasACertificate() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String main = "http://127.0.0.1:" + environment.getProperty("local.server.port");
        String management = "http://127.0.0.1:" + environment.getProperty("local.management.port");
        assertThat(adsServer.serving()).isFalse();
        assertThat(status(http, management + "/actuator/health/liveness")).isEqualTo(200);
        assertThat(status(http, management + "/actuator/health/readiness")).isEqualTo(503);
        assertThat(status(http, main + "/healthz/ready")).isEqualTo(503);
    }

    private static int status(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
