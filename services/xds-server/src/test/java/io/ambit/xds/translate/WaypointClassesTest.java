package io.ambit.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.ambit.proto.workload.Service;
import org.junit.jupiter.api.Test;

/**
 * A Gateway is a waypoint when its GatewayClass's controller is {@code istio.io/mesh-controller},
 * whatever the class is called (Istio's rule), or when it is of the built-in {@code istio-waypoint}
 * class; the class's {@code istio.io/waypoint-for} is its Gateways' default traffic type.
 */
class WaypointClassesTest {

    final MeshInputs inputs = Fixtures.load("waypoint-classes.yaml");
    final Map<String, Waypoint> waypoints = WaypointTranslator.waypoints(inputs).resources().stream()
            .collect(Collectors.toMap(Waypoint::resourceName, Function.identity()));

    @Test
    void gatewaysOfAMeshControllerClassAreWaypointsAndOthersAreNot() {
        assertThat(waypoints).containsOnlyKeys("apps/team-wp", "apps/team-svc-wp", "apps/builtin-wp");
        assertThat(waypoints.get("apps/team-wp").programmed()).isTrue();
    }

    @Test
    void theClassLabelIsTheDefaultTrafficTypeAndTheGatewayLabelWins() {
        assertThat(waypoints.get("apps/team-wp").trafficType()).isEqualTo(Waypoint.TrafficType.WORKLOAD);
        assertThat(waypoints.get("apps/team-svc-wp").trafficType()).isEqualTo(Waypoint.TrafficType.SERVICE);
        assertThat(waypoints.get("apps/builtin-wp").trafficType()).isEqualTo(Waypoint.TrafficType.SERVICE);
    }

    @Test
    void servicesBindToAWaypointOfACustomClassButNotToAnotherControllersGateway() {
        Translated<Service> services = ServiceTranslator.translateAll(inputs);
        Map<String, Service> byName = services.resources().stream()
                .collect(Collectors.toMap(Service::getName, Function.identity(), (a, b) -> a));
        assertThat(byName.get("bound-to-team").getWaypoint()).isEqualTo(WaypointTranslationTest.vip("10.96.30.2"));
        assertThat(byName.get("bound-to-edge").hasWaypoint()).isFalse();
        assertThat(services.findings()).anySatisfy(f -> assertThat(f.message())
                .contains("Gateway apps/edge-gw is not a waypoint (gatewayClassName 'edge'")
                .contains("controllerName istio.io/mesh-controller"));
    }

    @Test
    void malformedGatewayClassesAreRefusedWithTheField() {
        String noController = """
                apiVersion: gateway.networking.k8s.io/v1
                kind: GatewayClass
                metadata: {name: broken}
                spec: {description: no controller}
                """;
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> io.ambit.xds.store.KubeYamlParser.parse("classes.yaml", noController))
                .hasMessageContaining("controllerName");
        String namespaced = """
                apiVersion: gateway.networking.k8s.io/v1
                kind: GatewayClass
                metadata: {name: ns-class, namespace: apps}
                spec: {controllerName: istio.io/mesh-controller}
                """;
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> io.ambit.xds.store.KubeYamlParser.parse("classes.yaml", namespaced))
                .hasMessageContaining("classes.yaml");
        String typo = """
                apiVersion: gateway.networking.k8s.io/v1
                kind: GatewayClass
                metadata: {name: typo}
                spec: {controllerName: istio.io/mesh-controller, controlerName: x}
                """;
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> io.ambit.xds.store.KubeYamlParser.parse("classes.yaml", typo))
                .hasMessageContaining("controlerName");
    }

    @Test
    void withoutGatewayClassObjectsOnlyTheBuiltInClassCounts() {
        assertThat(WaypointClasses.builtIn().isWaypointClass("istio-waypoint")).isTrue();
        assertThat(WaypointClasses.builtIn().isWaypointClass("team-waypoints")).isFalse();
        assertThat(WaypointClasses.builtIn().isWaypointClass(null)).isFalse();
    }
}
