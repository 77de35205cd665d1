package io.ambit.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.mock.env.MockEnvironment;

class LocalModeBindingsTest {

    @Test
    void localModeBindsEveryListenerToLoopback() {
        MockEnvironment environment = new MockEnvironment().withProperty("server.port", "15021")
                .withProperty("management.server.port", "15020");
        environment.setDefaultProfiles("local");
        new LocalModeBindings().postProcessEnvironment(environment, new SpringApplication());

        assertThat(environment.getProperty("server.address")).isEqualTo("127.0.0.1");
        assertThat(environment.getProperty("management.server.address")).isEqualTo("127.0.0.1");
        assertThat(environment.getProperty("ambit.ca.grpc.address")).isEqualTo("127.0.0.1");
        assertThat(environment.getProperty("ambit.xds.grpc.address")).isEqualTo("127.0.0.1");
    }

    /** Boot refuses a management address when management shares the main port (the CA: 15014 for both). */
    @Test
    void managementOnTheMainPortGetsNoAddressOfItsOwn() {
        MockEnvironment environment = new MockEnvironment().withProperty("server.port", "15014")
                .withProperty("management.server.port", "15014");
        environment.setDefaultProfiles("local");
        new LocalModeBindings().postProcessEnvironment(environment, new SpringApplication());

        assertThat(environment.getProperty("server.address")).isEqualTo("127.0.0.1");
        assertThat(environment.getProperty("management.server.address")).isNull();
    }

    @Test
    void aServiceWhoseManagementSharesItsPortStarts() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(TestServiceApplication.class)
                .run("--server.port=" + port, "--management.server.port=" + port)) {
            assertThat(((WebServerApplicationContext) context).getWebServer().getPort()).isEqualTo(port);
        }
    }

    @Test
    void anAddressTheUserGaveWins() {
        MockEnvironment environment = new MockEnvironment().withProperty("server.address", "0.0.0.0")
                .withProperty("server.port", "15021").withProperty("management.server.port", "15020");
        environment.setActiveProfiles("local");
        new LocalModeBindings().postProcessEnvironment(environment, new SpringApplication());

        assertThat(environment.getProperty("server.address")).isEqualTo("0.0.0.0");
        assertThat(environment.getProperty("management.server.address")).isEqualTo("127.0.0.1");
    }

    @Test
    void kubernetesModeKeepsTheWildcard() {
        MockEnvironment environment = new MockEnvironment();
        environment.setActiveProfiles("kubernetes");
        new LocalModeBindings().postProcessEnvironment(environment, new SpringApplication());

        assertThat(environment.getProperty("server.address")).isNull();
        assertThat(environment.getPropertySources().contains(LocalModeBindings.PROPERTY_SOURCE_NAME)).isFalse();
    }

    /**
     * The whole chain as a service runs it (default profile local): the clash. Had the HTTP
     * port taken the wildcard, another loopback address could not bind the same port.
     */
    @Test
    void aServiceStartedWithoutAProfileLeavesItsPortFreeOnOtherLoopbackAddresses() throws Exception {
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(TestServiceApplication.class)
                .run("--server.port=0", "--management.server.port=0")) {
            int port = ((WebServerApplicationContext) context).getWebServer().getPort();
            assertThat(context.getEnvironment().getProperty("server.address")).isEqualTo("127.0.0.1");
            try (ServerSocket pod = new ServerSocket()) {
                pod.bind(new InetSocketAddress(InetAddress.ofLiteral("127.244.1.10"), port));
                assertThat(pod.getLocalPort()).isEqualTo(port);
            }
        }
    }
}
