package io.ambit.admin;

import java.util.ArrayList;
import java.util.List;

import io.ambit.service.MeshServiceContractTest;
import io.ambit.service.security.Access;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The contract every service meets, and admin-ui's access table: every API endpoint × {no
 * credential, wrong token, viewer, admin} answers 401 / 403 / 2xx as its rule says (reads viewer,
 * writes admin), the dashboard's page and scripts are open, and no mapped endpoint is missing.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = {"server.port=0", "management.server.port=0"})
class AdminUiApplicationBootTest extends MeshServiceContractTest {

    static final String POLICY = """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: access-table, namespace: demo}
            spec: {action: DENY, rules: [{from: [{source: {namespaces: [other]}}]}]}
            """;

    @DynamicPropertySource
    static void upstreams(DynamicPropertyRegistry registry) {
        StandInMesh.register(registry);
    }

    @Override
    protected List<Endpoint> endpoints() {
        List<Endpoint> endpoints = new ArrayList<>(sharedEndpoints());
        for (String path : List.of("/api/v1/version", "/api/v1/overview", "/api/v1/namespaces", "/api/v1/workloads",
                "/api/v1/workloads/demo/sleep-1", "/api/v1/services", "/api/v1/services/demo/echo", "/api/v1/waypoints",
                "/api/v1/routes", "/api/v1/policies", "/api/v1/certificates", "/api/v1/graph", "/api/v1/validations",
                "/api/v1/explain?from=demo/sleep-1&to=demo/echo&port=80", "/v3/api-docs", "/v3/api-docs.yaml")) {
            endpoints.add(Endpoint.get(Port.MAIN, path, Access.VIEWER));
        }
        // springdoc maps /v3/api-docs/{group}; there are no groups, so a granted caller gets 404
        endpoints.add(Endpoint.get(Port.MAIN, "/v3/api-docs/no-such-group", Access.VIEWER).answering(404));
        endpoints.add(Endpoint.post(Port.MAIN, "/api/v1/apply", Access.ADMIN, "application/yaml", POLICY));
        endpoints.add(Endpoint.post(Port.MAIN, "/api/v1/delete", Access.ADMIN, "application/yaml", POLICY));
        endpoints.add(Endpoint.get(Port.MAIN, "/", Access.OPEN));
        endpoints.add(Endpoint.get(Port.MAIN, "/ui/app.js", Access.OPEN));
        return endpoints;
    }
}
