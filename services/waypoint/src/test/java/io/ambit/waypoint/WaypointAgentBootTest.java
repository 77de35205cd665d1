package io.ambit.waypoint;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.ambit.service.MeshServiceContractTest;
import io.ambit.waypoint.agent.WaypointAgent;

/** The waypoint enabled with no control plane answering: live, but not ready (no certificate, no xDS). */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = {"server.port=0", "management.server.port=0", "ambit.waypoint.enabled=true",
                "ambit.waypoint.hbone-address=127.0.0.1:0"})
class WaypointAgentBootTest extends MeshServiceContractTest {

    @DynamicPropertySource
    static void noControlPlane(DynamicPropertyRegistry registry) throws Exception {
        int closed;
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort(); // nothing listens there once closed
        }
        registry.add("ambit.waypoint.ca-address", () -> "127.0.0.1:" + closed);
        registry.add("ambit.waypoint.xds-address", () -> "127.0.0.1:" + closed);
        registry.add("ambit.waypoint.bundle-url", () -> "http://127.0.0.1:" + closed + "/ca/root-cert.pem");
    }

    @Override
    protected boolean readyInThisTest() {
        return false;
    }

    @Test
    void notReadyWithoutCertificateAndConfiguration() {
        assertThat(context.getBean(WaypointAgent.class).ready()).isFalse();
    }
}
