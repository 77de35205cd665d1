package io.ambit.xds.translate;

import static io.ambit.xds.translate.Fixtures.ip;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.ambit.proto.workload.GatewayAddress;
import io.ambit.proto.workload.NamespacedHostname;
import io.ambit.proto.workload.NetworkAddress;
import io.ambit.proto.workload.Service;
import io.ambit.proto.workload.Workload;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Waypoints and how services and workloads bind to them ({@code translate/waypoints.yaml}). */
class WaypointTranslationTest {

    static Translated<Waypoint> waypoints;
    static Translated<Service> services;
    static Translated<Workload> workloads;
    static Map<String, Waypoint> waypointByName;
    static Map<String, Service> serviceByName;
    static Map<String, Workload> workloadByUid;

    static final GatewayAddress NS_WP = vip("10.96.10.1");
    static final GatewayAddress WL_WP = vip("10.96.10.2");
    static final GatewayAddress ALL_WP = GatewayAddress.newBuilder()
            .setHostname(NamespacedHostname.newBuilder().setNamespace("wp").setHostname("all-wp.wp.svc.cluster.local"))
            .setHboneMtlsPort(15008).build();
    static final GatewayAddress SHARED_WP = vip("10.96.20.1");

    @BeforeAll
    static void translate() {
        MeshInputs inputs = Fixtures.load("waypoints.yaml");
        waypoints = WaypointTranslator.waypoints(inputs);
        services = ServiceTranslator.translateAll(inputs);
        workloads = WorkloadTranslator.translateAll(inputs);
        waypointByName = waypoints.resources().stream().collect(Collectors.toMap(Waypoint::resourceName, Function.identity()));
        serviceByName = services.resources().stream().collect(Collectors.toMap(s -> s.getNamespace() + "/" + s.getName(),
                Function.identity(), (a, b) -> a));
        workloadByUid = workloads.resources().stream().collect(Collectors.toMap(Workload::getUid, Function.identity()));
    }

    static GatewayAddress vip(String ip) {
        return GatewayAddress.newBuilder().setAddress(NetworkAddress.newBuilder().setNetwork("").setAddress(ip(ip)))
                .setHboneMtlsPort(15008).build();
    }

    private static Workload pod(String namespace, String name) {
        return workloadByUid.get("Kubernetes//Pod/" + namespace + "/" + name);
    }

    @Test
    void waypointsAreIstioWaypointGatewaysWithTheirAddressesAndTrafficTypes() {
        assertThat(waypointByName).containsOnlyKeys("wp/ns-wp", "wp/wl-wp", "wp/all-wp", "wp/none-wp", "wp/pending-wp",
                "wp/odd-wp", "shared/shared-wp", "shared/same-only", "shared/by-selector", "wp2/wp2-wp");
        assertThat(waypointByName.get("wp/ns-wp").trafficType()).isEqualTo(Waypoint.TrafficType.SERVICE);
        assertThat(waypointByName.get("wp/ns-wp").address()).isEqualTo(NS_WP);
        assertThat(waypointByName.get("wp/wl-wp").trafficType()).isEqualTo(Waypoint.TrafficType.WORKLOAD);
        assertThat(waypointByName.get("wp/wl-wp").address()).isEqualTo(WL_WP);
        assertThat(waypointByName.get("wp/all-wp").trafficType()).isEqualTo(Waypoint.TrafficType.ALL);
        assertThat(waypointByName.get("wp/all-wp").address()).isEqualTo(ALL_WP);
        assertThat(waypointByName.get("wp/none-wp").trafficType()).isEqualTo(Waypoint.TrafficType.NONE);
        assertThat(waypointByName.get("shared/shared-wp").allowedFrom()).isEqualTo("All");
        assertThat(waypointByName.get("shared/same-only").allowedFrom()).isEqualTo("Same");
        assertThat(waypointByName.get("shared/by-selector").allowedSelector()).isEqualTo(Map.of("waypoint-access", "yes"));

        Waypoint pending = waypointByName.get("wp/pending-wp");
        assertThat(pending.programmed()).isFalse();
        assertThat(pending.notProgrammed()).isEqualTo("no Service wp/pending-wp with a cluster IP, and no address in the Gateway's status");
        assertThat(waypoints.findings()).containsExactlyInAnyOrder(
                new Finding("Gateway", "wp", "pending-wp", "waypoint is not programmed: " + pending.notProgrammed()),
                new Finding("Gateway", "wp", "odd-wp", "unknown istio.io/waypoint-for value 'everything' (service, workload, all or none); "
                        + "it serves no traffic"));
        assertThat(waypointByName.get("wp/odd-wp").trafficType()).isEqualTo(Waypoint.TrafficType.NONE);
    }

    @Test
    void aServiceUsesItsNamespacesWaypointUnlessItsOwnLabelSaysOtherwise() {
        assertThat(serviceByName.get("wp/svc-ns").getWaypoint()).isEqualTo(NS_WP);
        assertThat(serviceByName.get("wp/svc-none").hasWaypoint()).isFalse();
        // 'none' is an opt-out, not the name of a missing waypoint
        assertThat(services.findings()).noneMatch(f -> f.name().equals("svc-none"));
        assertThat(serviceByName.get("wp/svc-all").getWaypoint()).isEqualTo(ALL_WP);
    }

    @Test
    void useWaypointNamespaceNamesTheWaypointsNamespace() {
        assertThat(serviceByName.get("wp/svc-shared").getWaypoint()).isEqualTo(SHARED_WP);
        // on the namespace too
        assertThat(serviceByName.get("other/svc-other").getWaypoint()).isEqualTo(SHARED_WP);
    }

    @Test
    void attachmentFollowsTheHboneListenersAllowedRoutes() {
        assertThat(serviceByName.get("other/svc-selector").getWaypoint()).isEqualTo(vip("10.96.20.3"));
        assertThat(serviceByName.get("nosel/svc-denied").hasWaypoint()).isFalse();
        assertThat(serviceByName.get("wp/svc-same-only").hasWaypoint()).isFalse();
        assertThat(services.findings()).contains(
                new Finding("Service", "nosel", "svc-denied", "waypoint shared/by-selector does not allow attachment from namespace "
                        + "nosel (allowedRoutes.namespaces.from: Selector on its HBONE listener)"),
                new Finding("Service", "wp", "svc-same-only", "waypoint shared/same-only does not allow attachment from namespace "
                        + "wp (allowedRoutes.namespaces.from: Same on its HBONE listener)"));
    }

    @Test
    void aServiceIgnoresAWaypointThatDoesNotServeServices() {
        assertThat(serviceByName.get("wp/svc-wl").hasWaypoint()).isFalse();
        assertThat(serviceByName.get("wp/svc-none-wp").hasWaypoint()).isFalse();
        assertThat(services.findings()).contains(
                new Finding("Service", "wp", "svc-wl", "waypoint wp/wl-wp serves workload traffic, not service traffic "
                        + "(istio.io/waypoint-for); service traffic does not use it"),
                new Finding("Service", "wp", "svc-none-wp", "waypoint wp/none-wp serves none traffic, not service traffic "
                        + "(istio.io/waypoint-for); service traffic does not use it"));
    }

    @Test
    void aMissingOrUnprogrammedWaypointIsAFindingOnTheObjectThatNamesIt() {
        assertThat(serviceByName.get("wp/svc-missing").hasWaypoint()).isFalse();
        assertThat(serviceByName.get("wp/svc-ingress").hasWaypoint()).isFalse();
        assertThat(serviceByName.get("wp/svc-pending").hasWaypoint()).isFalse();
        assertThat(serviceByName.get("ghostns/svc-g").hasWaypoint()).isFalse();
        assertThat(services.findings()).contains(
                new Finding("Service", "wp", "svc-missing",
                        "waypoint wp/ghost does not exist (no Gateway of that name); traffic does not use a waypoint"),
                new Finding("Service", "wp", "svc-ingress", "Gateway wp/ingress is not a waypoint (gatewayClassName 'istio', "
                        + "want one of [istio-waypoint] or a GatewayClass with controllerName istio.io/mesh-controller); "
                        + "traffic does not use a waypoint"),
                new Finding("Service", "wp", "svc-pending", "waypoint wp/pending-wp has no address yet (no Service wp/pending-wp "
                        + "with a cluster IP, and no address in the Gateway's status); traffic does not use a waypoint"));
        // a namespace's label is the namespace's problem, reported once for all its services
        assertThat(services.findings()).filteredOn(f -> f.kind().equals("Namespace")).containsExactly(
                new Finding("Namespace", "", "ghostns",
                        "waypoint ghostns/ghost does not exist (no Gateway of that name); traffic does not use a waypoint"));
    }

    @Test
    void aWaypointsOwnServiceAndPodsAreNeverBound() {
        assertThat(serviceByName.get("wp/ns-wp").hasWaypoint()).isFalse();
        assertThat(pod("wp2", "app-pod").getWaypoint()).isEqualTo(vip("10.96.30.1"));
        assertThat(pod("wp2", "wp2-wp-5d8f7-abcde").hasWaypoint()).isFalse();
    }

    @Test
    void aWorkloadUsesAWaypointOnlyIfItServesWorkloads() {
        // the namespace's waypoint serves services only: pods do not use it, and that is no mistake
        assertThat(pod("wp", "pod-ns").hasWaypoint()).isFalse();
        assertThat(workloads.findings()).noneMatch(f -> f.name().equals("pod-ns") || f.kind().equals("Namespace"));
        assertThat(pod("wp", "pod-wl").getWaypoint()).isEqualTo(WL_WP);
        assertThat(pod("wp", "pod-all").getWaypoint()).isEqualTo(ALL_WP);
        assertThat(pod("wp", "pod-none").hasWaypoint()).isFalse();
        assertThat(workloads.findings()).noneMatch(f -> f.name().equals("pod-none"));
        assertThat(pod("wp", "pod-svc-wp").hasWaypoint()).isFalse();
        assertThat(workloads.findings()).contains(new Finding("Pod", "wp", "pod-svc-wp",
                "waypoint wp/ns-wp serves service traffic, not workload traffic (istio.io/waypoint-for); workload traffic does not use it"));
    }

    @Test
    void workloadEntriesAndServiceEntriesBindLikeTheOthers() {
        assertThat(workloadByUid.get("Kubernetes/networking.istio.io/WorkloadEntry/wp/vm-wl").getWaypoint()).isEqualTo(WL_WP);
        assertThat(workloadByUid.get("Kubernetes/networking.istio.io/WorkloadEntry/wp/vm-ns").hasWaypoint()).isFalse();
        assertThat(services.resources()).filteredOn(s -> s.getName().equals("se-all"))
                .singleElement().satisfies(s -> assertThat(s.getWaypoint()).isEqualTo(ALL_WP));
        // the entry's label is not its endpoints' label: the first falls back to the namespace (services only)
        assertThat(workloadByUid.get("Kubernetes/networking.istio.io/ServiceEntry/wp/se-all/10.3.0.1").hasWaypoint()).isFalse();
        assertThat(workloadByUid.get("Kubernetes/networking.istio.io/ServiceEntry/wp/se-all/10.3.0.2").getWaypoint()).isEqualTo(WL_WP);
    }
}
