package io.ambit.ztunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;

import io.ambit.service.MeshServiceContractTest;
import io.ambit.ztunnel.admin.AdminServer;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = {"server.port=0", "management.server.port=0", "ambit.ztunnel.admin-port=0"})
class ZtunnelApplicationBootTest extends MeshServiceContractTest {

    @Test
    void theAdminEndpointRunsWithTheContextOnLoopback() throws Exception {
        AdminServer admin = context.getBean(AdminServer.class);

        assertThat(admin.address().getAddress()).isEqualTo(InetAddress.getByName("127.0.0.1"));
        var certs = get("http://127.0.0.1:" + admin.address().getPort() + "/certs");
        assertThat(certs.statusCode()).isEqualTo(200);
        assertThat(certs.body()).isEqualToIgnoringWhitespace("[]");
    }
}
