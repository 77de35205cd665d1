package io.ambit.waypoint.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import io.ambit.identity.SpiffeId;
import io.ambit.proto.workload.Address;
import io.ambit.proto.workload.Workload;
import io.ambit.waypoint.config.WaypointConfigStore;
import io.ambit.xdsclient.XdsTypes;
import io.ambit.xdsclient.XdsUpdate;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** Istio's source and destination workload labels, from the workloads the waypoint learns over xDS (istio.workload.Address). */
class PeerLabelsTest {

    static final InetAddress CLIENT = InetAddress.ofLiteral("10.244.1.10");
    static final InetAddress SERVER = InetAddress.ofLiteral("10.244.2.11");

    static Address workload(String name, String ns, String sa, String app, String version, InetAddress ip) {
        return Address.newBuilder().setWorkload(Workload.newBuilder().setUid("Kubernetes/Pod/" + ns + "/" + name + "-0").setName(name + "-0")
                .setNamespace(ns).setServiceAccount(sa).setTrustDomain("cluster.local").setWorkloadName(name).setCanonicalName(app)
                .setCanonicalRevision(version).setClusterId("Kubernetes").addAddresses(ByteString.copyFrom(ip.getAddress()))).build();
    }

    private final WaypointConfigStore store = new WaypointConfigStore();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final RequestTelemetry telemetry = new RequestTelemetry(registry, "Kubernetes", a -> store.peers().peer(a));

    private void addresses(Address... addresses) {
        List<XdsUpdate.Resource> resources = java.util.Arrays.stream(addresses)
                .map(a -> new XdsUpdate.Resource(a.getWorkload().getUid(), "1", Any.pack(a))).toList();
        assertThat(store.apply(new XdsUpdate(XdsTypes.ADDRESS, resources, List.of()))).isEmpty();
    }

    private Meter.Id requestsTotal() {
        return registry.find("istio_requests_total").counter().getId();
    }

    private void record(InetAddress source, InetAddress destination) {
        telemetry.record(new RequestRecord(Instant.now(), "GET", "/", "HTTP/1.1", 200, "-", "via_upstream", 0, 2, 1,
                destination == null ? "-" : destination.getHostAddress() + ":8080", "outbound|80||web.shop.svc.cluster.local", "default",
                "web", "id", "curl", Optional.of(SpiffeId.parse("spiffe://cluster.local/ns/shop/sa/client")), "10.244.1.1:40000",
                "web.shop.svc.cluster.local", 1, false, "", source, destination));
    }

    @Test
    void bothPeersAreLabelledFromTheirWorkloads() {
        addresses(workload("client", "shop", "client", "client", "v1", CLIENT), workload("web-v2", "shop", "web", "web", "v2", SERVER));
        record(CLIENT, SERVER);
        Meter.Id id = requestsTotal();
        assertThat(id.getTag("source_workload")).isEqualTo("client");
        assertThat(id.getTag("source_workload_namespace")).isEqualTo("shop");
        assertThat(id.getTag("source_principal")).isEqualTo("spiffe://cluster.local/ns/shop/sa/client");
        assertThat(id.getTag("source_app")).isEqualTo("client");
        assertThat(id.getTag("source_version")).isEqualTo("v1");
        assertThat(id.getTag("source_canonical_service")).isEqualTo("client");
        assertThat(id.getTag("source_cluster")).isEqualTo("Kubernetes");
        assertThat(id.getTag("destination_workload")).isEqualTo("web-v2");
        assertThat(id.getTag("destination_principal")).isEqualTo("spiffe://cluster.local/ns/shop/sa/web");
        assertThat(id.getTag("destination_app")).isEqualTo("web");
        assertThat(id.getTag("destination_version")).isEqualTo("v2");
        assertThat(id.getTag("destination_canonical_revision")).isEqualTo("v2");
        assertThat(id.getTag("destination_service")).isEqualTo("web.shop.svc.cluster.local");
        assertThat(id.getTag("destination_service_name")).isEqualTo("web");
        assertThat(id.getTag("destination_service_namespace")).isEqualTo("shop");
    }

    @Test
    void unknownPeersAndLocalRepliesKeepUnknownAndTheTunnelsIdentity() {
        addresses(workload("web-v2", "shop", "web", "web", "v2", SERVER));
        record(CLIENT, null); // a client the waypoint has not learned, and no upstream (a local reply)
        Meter.Id id = requestsTotal();
        assertThat(id.getTag("source_workload")).isEqualTo("unknown");
        assertThat(id.getTag("source_workload_namespace")).isEqualTo("shop"); // from the proven identity
        assertThat(id.getTag("destination_workload")).isEqualTo("unknown");
        assertThat(id.getTag("destination_principal")).isEqualTo("unknown");
        assertThat(id.getTag("destination_canonical_service")).isEqualTo("web"); // the service's name, as before
    }

    @Test
    void aPeerLearnedLaterLabelsTheNextRequestsOfTheSameClient() {
        record(CLIENT, SERVER); // neither peer known yet: the meters of that request are cached by what labels them
        addresses(workload("client", "shop", "client", "client", "v1", CLIENT), workload("web-v2", "shop", "web", "web", "v2", SERVER));
        record(CLIENT, SERVER);
        assertThat(registry.find("istio_requests_total").tag("source_workload", "unknown").counter().count()).isEqualTo(1);
        assertThat(registry.find("istio_requests_total").tag("source_workload", "client").tag("destination_workload", "web-v2")
                .counter().count()).isEqualTo(1);
    }

    @Test
    void aRemovedWorkloadIsForgotten() {
        addresses(workload("client", "shop", "client", "client", "v1", CLIENT));
        assertThat(store.peers().peer(CLIENT)).isPresent();
        store.apply(new XdsUpdate(XdsTypes.ADDRESS, List.of(), List.of("Kubernetes/Pod/shop/client-0")));
        assertThat(store.peers().peer(CLIENT)).isEmpty();
        assertThat(store.complete()).as("workloads are not part of readiness").isFalse();
    }
}
