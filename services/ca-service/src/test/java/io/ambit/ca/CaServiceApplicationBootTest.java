package io.ambit.ca;

import io.ambit.service.MeshServiceContractTest;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = {"server.port=0", "management.server.port=0", "ambit.ca.grpc.port=0"})
class CaServiceApplicationBootTest extends MeshServiceContractTest {

    @TempDir
    static java.nio.file.Path state;

    @DynamicPropertySource
    static void stateDir(DynamicPropertyRegistry registry) {
        registry.add("ambit.ca.state-dir", () -> state.toString());
    }

    /** The trust bundle is open (the anchor a client needs before it can authenticate; no secret in it). */
    @Override
    protected java.util.List<Endpoint> endpoints() {
        java.util.List<Endpoint> endpoints = new java.util.ArrayList<>(sharedEndpoints());
        endpoints.add(Endpoint.get(Port.MAIN, "/ca/root-cert.pem", io.ambit.service.security.Access.OPEN));
        endpoints.add(Endpoint.get(Port.MAIN, "/ca/spiffe-bundle.json", io.ambit.service.security.Access.OPEN));
        return endpoints;
    }
}
