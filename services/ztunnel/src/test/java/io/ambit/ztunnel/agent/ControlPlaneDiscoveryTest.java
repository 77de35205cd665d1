package io.ambit.ztunnel.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.ambit.caclient.ControlPlaneTarget;
import io.ambit.service.discovery.ControlPlaneDiscovery;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * ztunnel finds the CA through Spring Cloud Kubernetes' DiscoveryClient, as its {@code kubernetes} profile
 * configures it, against fabric8's mock API server (CRUD): the endpoint the Service's Endpoints name, followed
 * when it moves, a real gRPC connection made to it; the Service DNS name when discovery knows no endpoint;
 * and in local mode no discovery at all.
 */
@EnableKubernetesMockClient(crud = true)
class ControlPlaneDiscoveryTest {

    static final String CA = "ca-service.istio-system.svc:15012";

    KubernetesMockServer server;
    KubernetesClient client;

    /** Spring Cloud Kubernetes' and Commons' own auto-configurations, and Ambit's, as the application gets them. */
    private ApplicationContextRunner runner(String profile) throws ClassNotFoundException {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        Class.forName("org.springframework.cloud.kubernetes.commons.KubernetesCommonsAutoConfiguration"),
                        Class.forName("org.springframework.cloud.kubernetes.commons.discovery.KubernetesDiscoveryPropertiesAutoConfiguration"),
                        Class.forName("org.springframework.cloud.kubernetes.fabric8.Fabric8AutoConfiguration"),
                        Class.forName("org.springframework.cloud.kubernetes.fabric8.discovery.Fabric8InformerAutoConfiguration"),
                        Class.forName("org.springframework.cloud.kubernetes.fabric8.discovery.Fabric8DiscoveryClientSpelAutoConfiguration"),
                        Class.forName("org.springframework.cloud.kubernetes.fabric8.discovery.Fabric8DiscoveryClientAutoConfiguration"),
                        Class.forName("org.springframework.cloud.commons.util.UtilAutoConfiguration"),
                        Class.forName("org.springframework.cloud.client.discovery.simple.SimpleDiscoveryClientAutoConfiguration"),
                        Class.forName("org.springframework.cloud.client.discovery.composite.CompositeDiscoveryClientAutoConfiguration"),
                        io.ambit.service.discovery.ControlPlaneDiscoveryAutoConfiguration.class))
                .withBean(KubernetesClient.class, () -> client)
                .withPropertyValues("spring.profiles.active=" + profile)
                .withInitializer(context -> {
                    if ("kubernetes".equals(profile)) {
                        // ztunnel's own application-kubernetes.yaml, as the profile loads it
                        var yaml = new org.springframework.beans.factory.config.YamlPropertiesFactoryBean();
                        yaml.setResources(new org.springframework.core.io.ClassPathResource("application-kubernetes.yaml"));
                        context.getEnvironment().getPropertySources().addFirst(
                                new org.springframework.core.env.PropertiesPropertySource("application-kubernetes", yaml.getObject()));
                    }
                });
    }

    @Test
    void theCaIsFoundByDiscoveryFollowedWhenItMovesAndReachedOverGrpc() throws Exception {
        client.services().inNamespace("istio-system").resource(new ServiceBuilder().withNewMetadata().withName("ca-service")
                .withNamespace("istio-system").endMetadata().withNewSpec().addToSelector("app", "ca-service")
                .addNewPort().withName("grpc-ca").withPort(15012).endPort()
                .addNewPort().withName("http").withPort(15014).endPort().endSpec().build()).create();
        endpoints("10.244.0.7", 15012);
        // a Service of that name elsewhere is not the mesh's CA
        client.services().inNamespace("demo").resource(new ServiceBuilder().withNewMetadata().withName("ca-service")
                .withNamespace("demo").endMetadata().withNewSpec().addNewPort().withName("grpc-ca").withPort(15012).endPort()
                .endSpec().build()).create();

        runner("kubernetes").run(context -> {
            assertThat(context).hasNotFailed();
            ControlPlaneTarget ca = AgentConfiguration.target(context.getBean(ControlPlaneDiscovery.class), CA, "grpc-ca");
            assertThat(ca.isDiscovered()).isTrue();
            assertThat(ca.resolveNow()).containsExactly(new InetSocketAddress(InetAddress.getByName("10.244.0.7"), 15012));

            // the CA restarts elsewhere (here: a listener on loopback): found without a restart, and a channel reaches it
            try (ServerSocket listener = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
                endpoints("127.0.0.1", listener.getLocalPort());
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(ca.resolveNow())
                        .containsExactly(new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort())));
                CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
                    try {
                        return listener.accept();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                ManagedChannel channel = ca.channelBuilder().usePlaintext().build();
                try {
                    channel.getState(true); // connect now
                    try (Socket socket = accepted.get(10, TimeUnit.SECONDS)) {
                        assertThat(socket.getInetAddress().isLoopbackAddress()).isTrue();
                    }
                    assertThat(channel.authority()).isEqualTo("ca-service.istio-system.svc");
                } finally {
                    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
            }

            // no endpoint left: the Service DNS name, which this machine cannot resolve (no cluster DNS here)
            client.endpoints().inNamespace("istio-system").withName("ca-service").delete();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThatThrownBy(ca::resolveNow)
                    .isInstanceOf(UnknownHostException.class).hasMessageContaining("ca-service.istio-system.svc"));
        });
    }

    @Test
    void anAddressThatIsNoServiceNameAndLocalModeAreUsedAsTheyAre() throws Exception {
        runner("kubernetes").run(context -> {
            ControlPlaneDiscovery discovery = context.getBean(ControlPlaneDiscovery.class);
            assertThat(discovery.enabled()).isTrue();
            assertThat(AgentConfiguration.target(discovery, "127.0.0.1:15012", "grpc-ca").isDiscovered()).isFalse();
            assertThat(AgentConfiguration.target(discovery, "ca.example.com:15012", "grpc-ca").isDiscovered()).isFalse();
        });
        runner("local").run(context -> {
            ControlPlaneDiscovery discovery = context.getBean(ControlPlaneDiscovery.class);
            assertThat(discovery.enabled()).isFalse();
            ControlPlaneTarget ca = AgentConfiguration.target(discovery, CA, "grpc-ca");
            assertThat(ca.isDiscovered()).isFalse();
            assertThat(ca.fallback()).isEqualTo(CA);
        });
    }

    private void endpoints(String ip, int port) {
        client.endpoints().inNamespace("istio-system").resource(new EndpointsBuilder().withNewMetadata().withName("ca-service")
                .withNamespace("istio-system").endMetadata().addNewSubset().addNewAddress().withIp(ip).endAddress()
                .addNewPort().withName("grpc-ca").withPort(port).endPort()
                .addNewPort().withName("http").withPort(15014).endPort().endSubset().build()).createOr(r -> r.update());
    }
}
