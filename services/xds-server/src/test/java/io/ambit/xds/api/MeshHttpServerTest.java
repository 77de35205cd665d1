package io.ambit.xds.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;

import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.tls.MeshTls;
import io.ambit.tls.PeerPolicy;
import io.ambit.xds.TestIdentity;
import io.netty.handler.ssl.SslContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;

/**
 * The store API over mutual TLS ({@code ambit.xds.mesh-http.port}), as ca-service uses it: its
 * certificate alone gets {@code GET /store/pods} and nothing else; a workload's certificate
 * proves no control-plane identity; a client from another CA never completes the handshake.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = {"server.port=0", "management.server.port=0", "ambit.xds.mesh-http.port=0",
                "ambit.xds.mesh-http.address=127.0.0.1"})
class MeshHttpServerTest {

    static final TestIdentity IDENTITY = new TestIdentity();
    static final SpiffeId XDS_SERVER = SpiffeId.parse("spiffe://cluster.local/ns/istio-system/sa/xds-server");

    @TempDir
    static Path files;

    @DynamicPropertySource
    static void identity(DynamicPropertyRegistry registry) {
        IDENTITY.register(registry, files);
    }

    @Autowired
    MeshHttpServer server;

    record Answer(int status, String body) {
    }

    Answer call(Svid client, String method, String path) {
        SslContext tls = MeshTls.client(client, IDENTITY.bundle, PeerPolicy.exactly(XDS_SERVER));
        return HttpClient.create().protocol(HttpProtocol.H2)
                .secure(spec -> spec.sslContext(tls).handlerConfigurator(handler -> {
                    var parameters = handler.engine().getSSLParameters();
                    parameters.setEndpointIdentificationAlgorithm(null); // the SPIFFE ID is checked instead
                    handler.engine().setSSLParameters(parameters);
                }))
                .headers(h -> h.set("Content-Type", "application/yaml"))
                .request(io.netty.handler.codec.http.HttpMethod.valueOf(method)).uri("https://127.0.0.1:" + server.port() + path)
                .send((request, out) -> method.equals("POST")
                        ? out.sendString(reactor.core.publisher.Mono.just("apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n"))
                        : out)
                .responseSingle((response, body) -> body.asString().defaultIfEmpty("").map(text -> new Answer(response.status().code(), text)))
                .block(Duration.ofSeconds(20));
    }

    @Test
    void theCaCertificateAsksWhichPodsRunOnANodeAndNothingElse() {
        Svid ca = IDENTITY.svid("spiffe://cluster.local/ns/istio-system/sa/ca-service");
        assertThat(server.port()).isPositive();
        Answer pods = call(ca, "GET", "/store/pods?node=node-a");
        assertThat(pods.status()).as(pods.body()).isEqualTo(200);
        assertThat(pods.body()).startsWith("[");
        assertThat(call(ca, "GET", "/store/objects").status()).isEqualTo(403);
        assertThat(call(ca, "POST", "/store/apply").status()).isEqualTo(403);
        assertThat(call(ca, "GET", "/debug/xds/clients").status()).isEqualTo(403);
        assertThat(call(ca, "GET", "/actuator/health/readiness").status()).isIn(200, 404, 503);
    }

    @Test
    void aWorkloadCertificateProvesNoControlPlaneIdentity() {
        assertThat(call(IDENTITY.svid("spiffe://cluster.local/ns/demo/sa/ca-service"), "GET", "/store/pods?node=node-a").status())
                .isEqualTo(401);
        assertThat(call(IDENTITY.svid("spiffe://cluster.local/ns/istio-system/sa/ztunnel"), "GET", "/store/pods?node=node-a").status())
                .isEqualTo(403);
    }

    @Test
    void aClientOfAnotherCaIsRefusedInTheHandshake() {
        TestIdentity stranger = new TestIdentity();
        Svid foreign = stranger.svid("spiffe://cluster.local/ns/istio-system/sa/ca-service");
        // the client trusts both roots (so its own certificate loads and the server's verifies); the server trusts one
        SslContext tls = MeshTls.client(foreign, io.ambit.identity.TrustBundle.of("cluster.local", IDENTITY.ca.root(), stranger.ca.root()),
                PeerPolicy.exactly(XDS_SERVER));
        assertThatThrownBy(() -> HttpClient.create().protocol(HttpProtocol.H2)
                .secure(spec -> spec.sslContext(tls).handlerConfigurator(handler -> {
                    var parameters = handler.engine().getSSLParameters();
                    parameters.setEndpointIdentificationAlgorithm(null);
                    handler.engine().setSSLParameters(parameters);
                }))
                .get().uri("https://127.0.0.1:" + server.port() + "/store/pods?node=node-a")
                .responseSingle((response, body) -> body.asString())
                .block(Duration.ofSeconds(20))).isInstanceOf(Exception.class);
    }
}
