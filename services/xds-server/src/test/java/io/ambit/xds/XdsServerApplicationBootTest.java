package io.ambit.xds;

import java.nio.file.Path;

import io.ambit.service.MeshServiceContractTest;
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
}
