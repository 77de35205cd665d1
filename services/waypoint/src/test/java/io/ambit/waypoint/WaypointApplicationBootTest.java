package io.ambit.waypoint;

import io.ambit.service.MeshServiceContractTest;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = {"server.port=0", "management.server.port=0"})
class WaypointApplicationBootTest extends MeshServiceContractTest {
}
