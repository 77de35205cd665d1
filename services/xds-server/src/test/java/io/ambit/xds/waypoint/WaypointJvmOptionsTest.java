package io.ambit.xds.waypoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import org.junit.jupiter.api.Test;

/**
 * services/waypoint/jvm.options is the one home of the waypoint's JVM flags: the Deployment the
 * controller renders for a waypoint Gateway carries every one of them (read here from the
 * repository's file, not from the copy in the jar), and its memory limit leaves room above the heap.
 */
class WaypointJvmOptionsTest {

    static final Path JVM_OPTIONS = Path.of("../waypoint/jvm.options").toAbsolutePath().normalize();

    @Test
    void theDeploymentCarriesEveryFlagOfTheWaypointsJvmOptions() throws Exception {
        Container container = renderedContainer(new WaypointDeploymentProperties("ambit/waypoint:test", "IfNotPresent",
                "ca:15012", "xds:15010", null));
        List<String> options = List.of(env(container, "JAVA_TOOL_OPTIONS").split(" "));
        assertThat(options).first().isEqualTo("--enable-native-access=ALL-UNNAMED");
        List<String> flags = Files.readAllLines(JVM_OPTIONS).stream().map(String::trim)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertThat(flags).as("services/waypoint/jvm.options has flags").isNotEmpty();
        assertThat(options.subList(1, options.size())).containsExactlyElementsOf(flags);

        // the container's memory limit holds the largest heap the flags allow, plus room for metaspace and direct buffers
        long limit = Quantity.getAmountInBytes(container.getResources().getLimits().get("memory")).longValue();
        long maxHeap = flags.stream().filter(f -> f.startsWith("-Xmx")).map(f -> bytes(f.substring(4))).findFirst().orElseThrow();
        assertThat(limit).isGreaterThanOrEqualTo(maxHeap + (256L << 20));
    }

    @Test
    void anOperatorsOwnFlagsReplaceTheDefaults() {
        Container container = renderedContainer(new WaypointDeploymentProperties("ambit/waypoint:test", "IfNotPresent",
                "ca:15012", "xds:15010", "-Xmx1g"));
        assertThat(env(container, "JAVA_TOOL_OPTIONS")).isEqualTo("-Xmx1g");
    }

    @Test
    void aFlagWithASpaceIsRefusedRatherThanSplitInTwo() {
        assertThat(WaypointJvmOptions.parse("# comment\n\n  -Xmx1g  \n-XX:+UseSerialGC\n")).containsExactly("-Xmx1g", "-XX:+UseSerialGC");
        assertThatThrownBy(() -> WaypointJvmOptions.parse("-Dname=a b\n"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("-Dname=a b");
    }

    /** Tracing is the waypoints' own settings, passed as their environment: none unless an endpoint is set. */
    @Test
    void tracingReachesTheWaypointsOnlyWhenAnEndpointIsSet() {
        Container off = renderedContainer(new WaypointDeploymentProperties("i", "IfNotPresent", "ca:15012", "xds:15010", null));
        assertThat(off.getEnv()).extracting(EnvVar::getName).noneMatch(n -> n.startsWith("AMBIT_WAYPOINT_TRACING"));
        Container on = renderedContainer(new WaypointDeploymentProperties("i", "IfNotPresent", "ca:15012", "xds:15010", null,
                " http://otel.observability:4318/v1/traces ", 25.0));
        assertThat(env(on, "AMBIT_WAYPOINT_TRACING_ENABLED")).isEqualTo("true");
        assertThat(env(on, "AMBIT_WAYPOINT_TRACING_ENDPOINT")).isEqualTo("http://otel.observability:4318/v1/traces");
        assertThat(Double.parseDouble(env(on, "AMBIT_WAYPOINT_TRACING_SAMPLING"))).isEqualTo(25.0);
        assertThatThrownBy(() -> new WaypointDeploymentProperties("i", "p", "c", "x", null, "otel:4318", 1.0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tracing-endpoint");
        assertThatThrownBy(() -> new WaypointDeploymentProperties("i", "p", "c", "x", null, "http://otel:4318/v1/traces", 101))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tracing-sampling");
    }

    private static Container renderedContainer(WaypointDeploymentProperties settings) {
        var gateway = new GenericKubernetesResourceBuilder().withApiVersion("gateway.networking.k8s.io/v1").withKind("Gateway")
                .withNewMetadata().withName("waypoint").withNamespace("demo").withUid("u-1").endMetadata()
                .addToAdditionalProperties("spec", Map.of("gatewayClassName", "istio-waypoint",
                        "listeners", List.of(Map.of("name", "mesh", "port", 15008, "protocol", "HBONE")))).build();
        return WaypointResources.render(gateway, settings, "cluster.local", "Kubernetes").deployment()
                .getSpec().getTemplate().getSpec().getContainers().getFirst();
    }

    private static String env(Container container, String name) {
        return container.getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue).findFirst().orElseThrow();
    }

    private static long bytes(String size) {
        long n = Long.parseLong(size.replaceAll("[^0-9]", ""));
        return switch (Character.toLowerCase(size.charAt(size.length() - 1))) {
            case 'k' -> n << 10;
            case 'm' -> n << 20;
            case 'g' -> n << 30;
            default -> n;
        };
    }
}
