package io.ambit.waypoint.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;

import org.junit.jupiter.api.Test;

import io.ambit.identity.SpiffeId;
import io.ambit.waypoint.TestMeshConfig;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;

/** Every endpoint must name the identity its HBONE server proves; anything else is refused (NACKed). */
class EndpointIdentityTest {

    private static ClusterLoadAssignment cla(Metadata... metadata) {
        LocalityLbEndpoints.Builder locality = LocalityLbEndpoints.newBuilder();
        for (Metadata m : metadata) {
            locality.addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder()
                    .setSocketAddress(SocketAddress.newBuilder().setAddress("10.244.1.5").setPortValue(8080)))).setMetadata(m));
        }
        return ClusterLoadAssignment.newBuilder().setClusterName("outbound|80||echo.ns.svc.cluster.local").addEndpoints(locality).build();
    }

    @Test
    void theIdentityComesFromTheEndpointMetadata() {
        assertThat(ResourceCompiler.endpoints(cla(TestMeshConfig.identity("spiffe://cluster.local/ns/ns/sa/echo"))))
                .containsEntry(new InetSocketAddress("10.244.1.5", 8080), SpiffeId.parse("spiffe://cluster.local/ns/ns/sa/echo"));
    }

    @Test
    void anEndpointWithoutIdentityIsRefused() {
        assertThatThrownBy(() -> ResourceCompiler.endpoints(cla(Metadata.getDefaultInstance())))
                .isInstanceOf(ConfigException.class).hasMessageContaining("has no metadata ambit.hbone.identity");
    }

    @Test
    void aMalformedOrTrustDomainOnlyIdentityIsRefused() {
        assertThatThrownBy(() -> ResourceCompiler.endpoints(cla(TestMeshConfig.identity("http://evil/ns/a/sa/b"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("not a SPIFFE id");
        assertThatThrownBy(() -> ResourceCompiler.endpoints(cla(TestMeshConfig.identity("spiffe://cluster.local"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("names a trust domain");
    }

    @Test
    void oneAddressWithTwoIdentitiesIsRefused() {
        assertThatThrownBy(() -> ResourceCompiler.endpoints(cla(TestMeshConfig.identity("spiffe://cluster.local/ns/ns/sa/a"),
                TestMeshConfig.identity("spiffe://cluster.local/ns/ns/sa/b"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("listed as both");
    }
}
