package io.ambit.admin.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import io.ambit.service.discovery.ControlPlaneDiscovery;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;

/**
 * admin-ui's way to the xds-server's HTTP API: the discovered endpoints in turn (as Spring Cloud
 * Kubernetes describes them: metadata {@code k8s_namespace} and {@code port.<name>}), the configured URL
 * when discovery knows none or fails, and always in local mode.
 */
class XdsServerLocatorTest {

    static final URI CONFIGURED = URI.create("http://xds-server.istio-system.svc:15011");

    final AtomicReference<Object> answer = new AtomicReference<>(List.of());
    final DiscoveryClient discovery = new DiscoveryClient() {
        @Override
        public String description() {
            return "test";
        }

        @Override
        @SuppressWarnings("unchecked")
        public List<ServiceInstance> getInstances(String serviceId) {
            if (answer.get() instanceof RuntimeException e) {
                throw e;
            }
            return "xds-server".equals(serviceId) ? (List<ServiceInstance>) answer.get() : List.of();
        }

        @Override
        public List<String> getServices() {
            return List.of("xds-server");
        }
    };

    @Test
    void discoveredEndpointsInTurnElseTheConfiguredUrl() {
        XdsServerLocator locator = new XdsServerLocator(CONFIGURED, new ControlPlaneDiscovery(discovery));
        answer.set(List.of(instance("10.244.0.5", "istio-system"), instance("10.244.0.6", "istio-system"),
                instance("10.9.9.9", "demo")));
        assertThat(List.of(locator.resolve("/debug/xds/findings"), locator.resolve("/debug/xds/findings")))
                .containsExactlyInAnyOrder(URI.create("http://10.244.0.5:15011/debug/xds/findings"),
                        URI.create("http://10.244.0.6:15011/debug/xds/findings"));

        answer.set(List.of());
        assertThat(locator.resolve("/api/v1/objects?kind=Pod")).isEqualTo(URI.create("http://xds-server.istio-system.svc:15011/api/v1/objects?kind=Pod"));
        answer.set(new IllegalStateException("informers not synced"));
        assertThat(locator.resolve("/debug/xds/findings")).isEqualTo(CONFIGURED.resolve("/debug/xds/findings"));
    }

    @Test
    void localModeUsesTheConfiguredUrl() {
        answer.set(List.of(instance("10.244.0.5", "istio-system")));
        assertThat(XdsServerLocator.fixed(CONFIGURED).resolve("/x")).isEqualTo(CONFIGURED.resolve("/x"));
        assertThat(new XdsServerLocator(URI.create("http://127.0.0.1:15011"), new ControlPlaneDiscovery(discovery)).resolve("/x"))
                .isEqualTo(URI.create("http://127.0.0.1:15011/x"));
    }

    private static ServiceInstance instance(String ip, String namespace) {
        return new DefaultServiceInstance(ip, "xds-server", ip, 15010, false,
                Map.of("k8s_namespace", namespace, "port.grpc-xds", "15010", "port.http", "15011"));
    }
}
