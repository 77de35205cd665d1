package io.ambit.ztunnel.proxy;

import static io.ambit.ztunnel.state.Fixtures.addresses;
import static io.ambit.ztunnel.state.Fixtures.bytes;
import static io.ambit.ztunnel.state.Fixtures.ip;
import static io.ambit.ztunnel.state.Fixtures.pod;
import static io.ambit.ztunnel.state.Fixtures.ports;
import static io.ambit.ztunnel.state.Fixtures.removeAddresses;
import static io.ambit.ztunnel.state.Fixtures.resource;
import static io.ambit.ztunnel.state.Fixtures.service;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.ambit.identity.SpiffeId;
import io.ambit.proto.workload.GatewayAddress;
import io.ambit.proto.workload.LoadBalancing;
import io.ambit.proto.workload.NamespacedHostname;
import io.ambit.proto.workload.NetworkAddress;
import io.ambit.proto.workload.TunnelProtocol;
import io.ambit.proto.workload.WorkloadStatus;
import io.ambit.xdsclient.XdsUpdate;
import io.ambit.ztunnel.state.Service;
import io.ambit.ztunnel.state.StateStore;
import io.ambit.ztunnel.state.Workload;
import io.ambit.ztunnel.state.XdsStateHandler;

/**
 * {@link OutboundRouter} decides alone, from one state snapshot, where each outbound connection
 * goes: a service VIP to one of its endpoints (health, locality, port mapping), a pod IP straight
 * to its ztunnel, either through a waypoint when one is configured (but never a waypoint's own
 * traffic), and everything else passed through. The endpoint "random" choice is replaced by one
 * that records how many candidates there were and takes the first, so the filtering is visible.
 */
class OutboundRouterTest {

    private static final String ECHO_SERVICE = "demo/echo.demo.svc.cluster.local";
    private static final String WAYPOINT_SERVICE = "demo/waypoint.demo.svc.cluster.local";
    private static final InetSocketAddress VIP = new InetSocketAddress(ip("10.96.0.10"), 80);

    private final StateStore store = new StateStore();
    private final XdsStateHandler xds = new XdsStateHandler(store);
    private final List<Integer> candidateCounts = new ArrayList<>();
    private final OutboundRouter router = new OutboundRouter(15008, bound -> {
        candidateCounts.add(bound);
        return 0;
    });

    private static final io.ambit.proto.workload.Workload SLEEP = pod("demo", "sleep", "node-a", "10.0.0.1").build();

    // ---- service VIPs: endpoints and ports

    @Test
    void aVipGoesOverHboneToAHealthyEndpointAtTheServiceTargetPort() {
        apply(SLEEP, echoService(8080).build(), endpoint("echo-1", "node-b", "10.0.1.1", 0).build());

        Route route = route(VIP);

        assertThat(route).isEqualTo(new Route.Hbone(new InetSocketAddress(ip("10.0.1.1"), 15008), "10.0.1.1:8080",
                identity("echo-1"), workload("Kubernetes//Pod/demo/echo-1"), Optional.of(serviceNamed(ECHO_SERVICE)), false));
    }

    @Test
    void theEndpointsOwnPortMappingWinsOverTheServiceTargetPort() {
        // A named target port: each pod says which number it is (here 9090), the service cannot.
        apply(SLEEP, echoService(8080).build(), endpoint("echo-1", "node-b", "10.0.1.1", 9090).build());

        assertThat(hbone(route(VIP)).authority()).isEqualTo("10.0.1.1:9090");
    }

    @Test
    void aTargetPortOfZeroEverywhereMeansTheServicePort() {
        apply(SLEEP, echoService(0).build(), endpoint("echo-1", "node-b", "10.0.1.1", 0).build());

        assertThat(hbone(route(VIP)).authority()).isEqualTo("10.0.1.1:80");
    }

    @Test
    void anEndpointNotInTheMeshGetsPlainTcpAtItsTargetPort() {
        apply(SLEEP, echoService(8080).build(),
                endpoint("legacy", "node-b", "10.0.1.9", 0).setTunnelProtocol(TunnelProtocol.NONE).build());

        assertThat(route(VIP)).isEqualTo(new Route.Passthrough(new InetSocketAddress(ip("10.0.1.9"), 8080),
                Optional.of(workload("Kubernetes//Pod/demo/legacy")), Optional.of(serviceNamed(ECHO_SERVICE))));
    }

    @Test
    void unhealthyEndpointsAreSkipped() {
        apply(SLEEP, echoService(8080).build(),
                endpoint("sick", "node-b", "10.0.1.2", 0).setStatus(WorkloadStatus.UNHEALTHY).build(),
                endpoint("echo-1", "node-b", "10.0.1.1", 0).build());

        assertThat(hbone(route(VIP)).destination().name()).isEqualTo("echo-1");
        assertThat(candidateCounts).containsExactly(1);
    }

    @Test
    void allowAllHealthPolicyAlsoUsesUnhealthyEndpoints() {
        apply(SLEEP,
                echoService(8080).setLoadBalancing(LoadBalancing.newBuilder()
                        .setHealthPolicy(LoadBalancing.HealthPolicy.ALLOW_ALL)).build(),
                endpoint("sick", "node-b", "10.0.1.2", 0).setStatus(WorkloadStatus.UNHEALTHY).build(),
                endpoint("echo-1", "node-b", "10.0.1.1", 0).build());

        assertThat(hbone(route(VIP)).destination().name()).isEqualTo("sick");
        assertThat(candidateCounts).containsExactly(2);
    }

    @Test
    void aServiceWithoutAUsableEndpointIsUnreachable() {
        apply(SLEEP, echoService(8080).build());
        assertThat(route(VIP)).isInstanceOfSatisfying(Route.Unreachable.class,
                u -> assertThat(u.service()).contains(serviceNamed(ECHO_SERVICE)));

        apply(endpoint("sick", "node-b", "10.0.1.2", 0).setStatus(WorkloadStatus.UNHEALTHY).build());
        assertThat(route(VIP)).isInstanceOf(Route.Unreachable.class);
    }

    @Test
    void aPortTheServiceDoesNotHaveIsNotTheService() {
        apply(SLEEP, echoService(8080).build(), endpoint("echo-1", "node-b", "10.0.1.1", 0).build());
        InetSocketAddress otherPort = new InetSocketAddress(VIP.getAddress(), 81);

        assertThat(route(otherPort)).isEqualTo(new Route.Passthrough(otherPort, Optional.empty(), Optional.empty()));
    }

    // ---- locality

    @Test
    void strictNodeLocalityKeepsOnlyEndpointsOnTheSourcesNode() {
        apply(SLEEP, echoService(8080).setLoadBalancing(nodeLocal(LoadBalancing.Mode.STRICT)).build(),
                endpoint("far-1", "node-b", "10.0.1.1", 0).build(),
                endpoint("near", "node-a", "10.0.1.2", 0).build(),
                endpoint("far-2", "node-c", "10.0.1.3", 0).build());

        assertThat(hbone(route(VIP)).destination().name()).isEqualTo("near");
        assertThat(candidateCounts).containsExactly(1);

        // STRICT never leaves the node, even when that leaves nothing.
        apply(removeAddresses("Kubernetes//Pod/demo/near"));
        assertThat(route(VIP)).isInstanceOf(Route.Unreachable.class);
    }

    @Test
    void failoverNodeLocalityPrefersTheSourcesNodeAndFallsBackToTheRest() {
        apply(SLEEP, echoService(8080).setLoadBalancing(nodeLocal(LoadBalancing.Mode.FAILOVER)).build(),
                endpoint("far-1", "node-b", "10.0.1.1", 0).build(),
                endpoint("near", "node-a", "10.0.1.2", 0).build(),
                endpoint("far-2", "node-c", "10.0.1.3", 0).build());

        assertThat(hbone(route(VIP)).destination().name()).isEqualTo("near");
        assertThat(candidateCounts).containsExactly(1);

        // The local endpoint goes unhealthy: both remote ones are candidates again.
        apply(endpoint("near", "node-a", "10.0.1.2", 0).setStatus(WorkloadStatus.UNHEALTHY).build());
        assertThat(hbone(route(VIP)).destination().name()).isEqualTo("far-1");
        assertThat(candidateCounts).containsExactly(1, 2);
    }

    // ---- pod IPs and everything else

    @Test
    void aPodIpGoesOverHboneToItsZtunnelWithItsIdentity() {
        apply(SLEEP, endpoint("echo-1", "node-b", "10.0.1.1", 0).build());
        InetSocketAddress pod = new InetSocketAddress(ip("10.0.1.1"), 8080);

        assertThat(route(pod)).isEqualTo(new Route.Hbone(new InetSocketAddress(ip("10.0.1.1"), 15008), "10.0.1.1:8080",
                identity("echo-1"), workload("Kubernetes//Pod/demo/echo-1"), Optional.empty(), false));
    }

    @Test
    void anIpv6PodIsNamedInBracketsInTheAuthority() {
        apply(SLEEP, pod("demo", "echo-6", "node-b", "fd00::1").build());

        Route.Hbone route = hbone(route(new InetSocketAddress(ip("fd00::1"), 8080)));

        assertThat(route.authority()).isEqualTo("[fd00::1]:8080");
        assertThat(route.hboneAddress()).isEqualTo(new InetSocketAddress(ip("fd00::1"), 15008));
    }

    @Test
    void aWorkloadNotInTheMeshIsPassedThrough() {
        apply(SLEEP, pod("demo", "db", "node-b", "10.0.2.1").setTunnelProtocol(TunnelProtocol.NONE).build());
        InetSocketAddress db = new InetSocketAddress(ip("10.0.2.1"), 5432);

        assertThat(route(db)).isEqualTo(new Route.Passthrough(db, Optional.of(workload("Kubernetes//Pod/demo/db")),
                Optional.empty()));
        // as ztunnel labels it: no source_principal without mutual TLS; the known destination's identity all the same
        assertThat(Outbound.sourcePeer(workload("Kubernetes//Pod/demo/sleep"), route(db)).principal()).isEmpty();
        assertThat(Outbound.sourcePeer(workload("Kubernetes//Pod/demo/sleep"), route(db)).workload()).isPresent();
        assertThat(Outbound.destinationPeer(route(db)).principal()).hasValue("spiffe://cluster.local/ns/demo/sa/db");
    }

    @Test
    void anUnknownAddressIsPassedThroughUnchanged() {
        apply(SLEEP);
        InetSocketAddress outside = new InetSocketAddress(ip("192.0.2.7"), 443);

        assertThat(route(outside)).isEqualTo(new Route.Passthrough(outside, Optional.empty(), Optional.empty()));
    }

    // ---- waypoints

    @Test
    void aServiceWaypointNamedByItsPodAddressTakesTheConnectionForTheOriginalVip() {
        apply(SLEEP, waypointPod().build(), endpoint("echo-1", "node-b", "10.0.1.1", 0).build(),
                echoService(8080).setWaypoint(waypointAt("10.0.3.1", 0)).build());

        assertThat(route(VIP)).isEqualTo(new Route.Hbone(new InetSocketAddress(ip("10.0.3.1"), 15008), "10.96.0.10:80",
                identity("waypoint"), workload("Kubernetes//Pod/demo/waypoint"), Optional.of(serviceNamed(ECHO_SERVICE)), true));
        assertThat(candidateCounts).as("no endpoint is chosen: the waypoint does that").isEmpty();
    }

    @Test
    void aServiceWaypointNamedByItsServiceVipIsOneOfThatServicesPodsAtItsHbonePort() {
        // Istio's usual form: the waypoint's own Service VIP, and the port its pods take HBONE on.
        apply(SLEEP, waypointService(), waypointPod().putServices(WAYPOINT_SERVICE, ports(15008, 15008)).build(),
                endpoint("echo-1", "node-b", "10.0.1.1", 0).build(),
                echoService(8080).setWaypoint(waypointAt("10.96.0.99", 15019)).build());

        Route.Hbone route = hbone(route(VIP));

        assertThat(route.hboneAddress()).isEqualTo(new InetSocketAddress(ip("10.0.3.1"), 15019));
        assertThat(route.authority()).isEqualTo("10.96.0.10:80");
        assertThat(route.identity()).isEqualTo(identity("waypoint"));
        assertThat(route.viaWaypoint()).isTrue();
    }

    @Test
    void aServiceWaypointNamedByHostNameIsAHealthyPodOfThatService() {
        apply(SLEEP, waypointService(), waypointPod().putServices(WAYPOINT_SERVICE, ports(15008, 15008)).build(),
                endpoint("echo-1", "node-b", "10.0.1.1", 0).build(),
                echoService(8080).setWaypoint(waypointNamed()).build());

        assertThat(route(VIP)).isEqualTo(new Route.Hbone(new InetSocketAddress(ip("10.0.3.1"), 15008), "10.96.0.10:80",
                identity("waypoint"), workload("Kubernetes//Pod/demo/waypoint"), Optional.of(serviceNamed(ECHO_SERVICE)), true));
    }

    @Test
    void aPodWithAWaypointAddressedByItsIpGoesThroughTheWaypointForPodIpAndPort() {
        apply(SLEEP, waypointPod().build(),
                endpoint("echo-1", "node-b", "10.0.1.1", 0).setWaypoint(waypointAt("10.0.3.1", 0)).build());

        assertThat(route(new InetSocketAddress(ip("10.0.1.1"), 8080))).isEqualTo(new Route.Hbone(
                new InetSocketAddress(ip("10.0.3.1"), 15008), "10.0.1.1:8080", identity("waypoint"),
                workload("Kubernetes//Pod/demo/waypoint"), Optional.empty(), true));
    }

    @Test
    void aWaypointThatIsNotInTheStateMakesTheServiceUnreachable() {
        apply(SLEEP, endpoint("echo-1", "node-b", "10.0.1.1", 0).build(),
                echoService(8080).setWaypoint(waypointNamed()).build());

        assertThat(route(VIP)).isInstanceOf(Route.Unreachable.class);
    }

    @Test
    void theWaypointsOwnTrafficNeverGoesToItself() {
        apply(waypointService(), waypointPod().putServices(WAYPOINT_SERVICE, ports(15008, 15008)).build(),
                endpoint("echo-1", "node-b", "10.0.1.1", 0).setWaypoint(waypointAt("10.0.3.1", 0)).build());
        Workload waypoint = workload("Kubernetes//Pod/demo/waypoint");
        InetSocketAddress pod = new InetSocketAddress(ip("10.0.1.1"), 8080);

        for (GatewayAddress form : List.of(waypointAt("10.0.3.1", 0), waypointAt("10.96.0.99", 15019), waypointNamed())) {
            apply(echoService(8080).setWaypoint(form).build());

            assertThat(hbone(router.route(store.snapshot(), waypoint, VIP)))
                    .as("VIP, waypoint named by %s", form).satisfies(r -> {
                        assertThat(r.viaWaypoint()).isFalse();
                        assertThat(r.authority()).isEqualTo("10.0.1.1:8080");
                    });
        }
        assertThat(hbone(router.route(store.snapshot(), waypoint, pod)).viaWaypoint()).as("pod IP").isFalse();
    }

    /**
     * The waypoint's pod may arrive before its Service: it already names the service it backs, and
     * that alone must keep it from tunnelling to itself (it would be the only endpoint found).
     */
    @Test
    void theWaypointKnowsItselfByHostNameBeforeItsServiceArrives() {
        apply(waypointPod().putServices(WAYPOINT_SERVICE, ports(15008, 15008)).build(),
                endpoint("echo-1", "node-b", "10.0.1.1", 0).build(),
                echoService(8080).setWaypoint(waypointNamed()).build());
        Workload waypoint = workload("Kubernetes//Pod/demo/waypoint");

        Route.Hbone route = hbone(router.route(store.snapshot(), waypoint, VIP));

        assertThat(route.viaWaypoint()).isFalse();
        assertThat(route.destination().name()).isEqualTo("echo-1");
    }

    // ---- fixtures

    private static io.ambit.proto.workload.Service.Builder echoService(int targetPort) {
        return service("demo", "echo", "10.96.0.10", 80, targetPort);
    }

    private static io.ambit.proto.workload.Service waypointService() {
        return service("demo", "waypoint", "10.96.0.99", 15008, 15008).build();
    }

    /** A pod of {@code echo} (service port 80 → {@code targetPort}, 0 for none), running as its own name. */
    private static io.ambit.proto.workload.Workload.Builder endpoint(String name, String node, String ip, int targetPort) {
        return pod("demo", name, node, ip).putServices(ECHO_SERVICE, ports(80, targetPort));
    }

    private static io.ambit.proto.workload.Workload.Builder waypointPod() {
        return pod("demo", "waypoint", "node-c", "10.0.3.1");
    }

    private static GatewayAddress waypointAt(String ip, int hbonePort) {
        return GatewayAddress.newBuilder().setAddress(NetworkAddress.newBuilder().setAddress(bytes(ip)))
                .setHboneMtlsPort(hbonePort).build();
    }

    private static GatewayAddress waypointNamed() {
        return GatewayAddress.newBuilder().setHostname(NamespacedHostname.newBuilder().setNamespace("demo")
                .setHostname("waypoint.demo.svc.cluster.local")).build();
    }

    private static LoadBalancing nodeLocal(LoadBalancing.Mode mode) {
        return LoadBalancing.newBuilder().addRoutingPreference(LoadBalancing.Scope.NODE).setMode(mode).build();
    }

    private static SpiffeId identity(String serviceAccount) {
        return SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/" + serviceAccount);
    }

    private void apply(com.google.protobuf.Message... resources) {
        List<XdsUpdate.Resource> list = new ArrayList<>();
        for (var resource : resources) {
            list.add(switch (resource) {
                case io.ambit.proto.workload.Workload w -> resource(w);
                case io.ambit.proto.workload.Service s -> resource(s);
                default -> throw new IllegalArgumentException(resource.getClass().getName());
            });
        }
        apply(addresses(list.toArray(XdsUpdate.Resource[]::new)));
    }

    private void apply(XdsUpdate update) {
        assertThat(xds.apply(update)).as("refused resources").isEmpty();
    }

    private Workload workload(String uid) {
        return store.snapshot().workload(uid).orElseThrow();
    }

    private Service serviceNamed(String key) {
        return store.snapshot().service(key).orElseThrow();
    }

    private Route route(InetSocketAddress destination) {
        return router.route(store.snapshot(), workload(SLEEP.getUid()), destination);
    }

    private static Route.Hbone hbone(Route route) {
        assertThat(route).isInstanceOf(Route.Hbone.class);
        return (Route.Hbone) route;
    }
}
