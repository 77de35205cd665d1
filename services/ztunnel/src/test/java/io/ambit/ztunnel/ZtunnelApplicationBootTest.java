package io.ambit.ztunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;

import io.ambit.service.MeshServiceContractTest;
import io.ambit.ztunnel.admin.AdminServer;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = {"server.port=0", "management.server.port=0", "ambit.ztunnel.admin-port=0"})
class ZtunnelApplicationBootTest extends MeshServiceContractTest {

    /** Neither a CA nor an xDS server answers here, so ztunnel is live but not ready (it knows no policy yet). */
    @DynamicPropertySource
    static void noControlPlane(DynamicPropertyRegistry registry) throws Exception {
        int closed;
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort(); // nothing listens there once closed
        }
        registry.add("ambit.ztunnel.ca-address", () -> "127.0.0.1:" + closed);
        registry.add("ambit.ztunnel.xds-address", () -> "127.0.0.1:" + closed);
        registry.add("ambit.ztunnel.bundle-url", () -> "http://127.0.0.1:" + closed + "/ca/root-cert.pem");
    }

    @Override
    protected boolean readyInThisTest() {
        return false;
    }

    @Test
    void theAdminEndpointRunsWithTheContextOnLoopback() throws Exception {
        AdminServer admin = context.getBean(AdminServer.class);

        assertThat(admin.address().getAddress()).isEqualTo(InetAddress.getByName("127.0.0.1"));
        var certs = get("http://127.0.0.1:" + admin.address().getPort() + "/certs");
        assertThat(certs.statusCode()).isEqualTo(200);
        assertThat(certs.body()).isEqualToIgnoringWhitespace("[]");
    }
}
