package io.ambit.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import io.ambit.service.security.Access;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(classes = TestServiceApplication.class, webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = {"server.port=0", "management.server.port=0"})
class SharedDefaultsTest extends MeshServiceContractTest {

    @Override
    protected List<Endpoint> endpoints() {
        List<Endpoint> endpoints = new ArrayList<>(sharedEndpoints());
        endpoints.add(Endpoint.get(Port.MAIN, "/things", Access.VIEWER));
        endpoints.add(Endpoint.post(Port.MAIN, "/things", Access.ADMIN, "text/plain", "c"));
        endpoints.add(Endpoint.get(Port.MAIN, "/things/by-node", Access.VIEWER));
        endpoints.add(Endpoint.get(Port.MAIN, "/debug/things", Access.ADMIN));
        return endpoints;
    }

    @Test
    void aServiceIdentityReachesOnlyWhatARuleNamesItFor() throws Exception {
        assertThat(send(Endpoint.get(Port.MAIN, "/things/by-node", Access.VIEWER), TestTokens.CA_SERVICE).statusCode()).isEqualTo(200);
        assertThat(send(Endpoint.get(Port.MAIN, "/things", Access.VIEWER), TestTokens.CA_SERVICE).statusCode()).isEqualTo(403);
        assertThat(send(Endpoint.post(Port.MAIN, "/things", Access.ADMIN, "text/plain", "x"), TestTokens.CA_SERVICE).statusCode())
                .isEqualTo(403);
        assertThat(send(Endpoint.get(Port.MANAGEMENT, "/actuator/info", Access.VIEWER), TestTokens.CA_SERVICE).statusCode())
                .isEqualTo(403);
    }

    @Test
    void aMalformedAuthorizationHeaderIsRefusedAndSaysWhy() throws Exception {
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(main("/things")))
                .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString("admin:admin".getBytes())).build();
        var response = java.net.http.HttpClient.newHttpClient().send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"ambit\", error=\"invalid_token\"");
        assertThat(response.body()).contains("'Bearer <token>'");
    }

    @Test
    void aProbeWithAStaleTokenStillGetsItsAnswer() throws Exception {
        assertThat(send(Endpoint.get(Port.MANAGEMENT, "/actuator/health/liveness", Access.OPEN), TestTokens.WRONG).statusCode())
                .isEqualTo(200);
    }
}
