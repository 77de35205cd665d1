package io.ambit.xds;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.ambit.service.MeshServiceContractTest;
import io.ambit.service.security.Access;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = {"server.port=0", "management.server.port=0"})
class XdsServerApplicationBootTest extends MeshServiceContractTest {

    @TempDir
    static Path files;

    @DynamicPropertySource
    static void identity(DynamicPropertyRegistry registry) {
        new TestIdentity().register(registry, files);
    }

    private static final String NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata: {name: access-table}\n";

    /** The store API and the debug views: reads viewer (debug clients: admin), writes admin. Apply runs before delete. */
    @Override
    protected List<Endpoint> endpoints() {
        List<Endpoint> endpoints = new ArrayList<>(sharedEndpoints());
        endpoints.add(Endpoint.get(Port.MAIN, "/store/objects?kind=Namespace", Access.VIEWER));
        endpoints.add(Endpoint.get(Port.MAIN, "/store/status", Access.VIEWER));
        endpoints.add(Endpoint.get(Port.MAIN, "/store/export?kind=Namespace", Access.VIEWER));
        endpoints.add(Endpoint.get(Port.MAIN, "/store/pods?node=node-a", Access.VIEWER));
        endpoints.add(Endpoint.post(Port.MAIN, "/store/apply", Access.ADMIN, "application/yaml", NAMESPACE));
        endpoints.add(Endpoint.post(Port.MAIN, "/store/delete", Access.ADMIN, "application/yaml", NAMESPACE));
        endpoints.add(Endpoint.get(Port.MAIN, "/debug/xds/resources?type=address", Access.VIEWER));
        endpoints.add(Endpoint.get(Port.MAIN, "/debug/xds/clients", Access.ADMIN));
        endpoints.add(Endpoint.get(Port.MAIN, "/debug/xds/findings", Access.VIEWER));
        endpoints.add(Endpoint.get(Port.MAIN, "/debug/xds/waypoints", Access.VIEWER));
        return endpoints;
    }
}
