package io.ambit.service;

import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(classes = TestServiceApplication.class, webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = {"server.port=0", "management.server.port=0"})
class SharedDefaultsTest extends MeshServiceContractTest {
}
