package io.ambit.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.ambit.proto.workload.Port;
import io.ambit.xds.store.KubeYamlParser;
import io.ambit.proto.workload.Service;
import io.ambit.proto.workload.TunnelProtocol;
import io.ambit.proto.workload.Workload;
import io.ambit.proto.workload.WorkloadStatus;
import io.ambit.proto.workload.WorkloadType;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Pods, Services and Namespaces from a YAML fixture, translated to Istio's workload API. */
class TranslationTest {

    static MeshInputs inputs;
    static Map<String, Workload> workloads;
    static Map<String, Service> services;

    @BeforeAll
    static void translate() throws IOException {
        List<HasMetadata> objects;
        try (InputStream in = TranslationTest.class.getResourceAsStream("/translate/mesh.yaml")) {
            objects = KubeYamlParser.parse("mesh.yaml", new String(in.readAllBytes())).stream()
                    .map(KubeYamlParser.Parsed::object).toList();
        }
        inputs = MeshInputs.of("cluster.local",
                objects.stream().filter(Namespace.class::isInstance).map(Namespace.class::cast).toList(),
                objects.stream().filter(Pod.class::isInstance).map(Pod.class::cast).toList(),
                objects.stream().filter(io.fabric8.kubernetes.api.model.Service.class::isInstance)
                        .map(io.fabric8.kubernetes.api.model.Service.class::cast).toList());
        workloads = WorkloadTranslator.translate(inputs).stream().collect(Collectors.toMap(Workload::getName, Function.identity()));
        services = ServiceTranslator.translate(inputs).stream()
                .collect(Collectors.toMap(s -> s.getNamespace() + "/" + s.getName(), Function.identity()));
    }

    @Test
    void aDeploymentPodBecomesAnEnrolledWorkload() throws Exception {
        Workload echo = workloads.get("echo-7d9f8b6c5-abcde");
        assertThat(echo.getUid()).isEqualTo("Kubernetes//Pod/demo/echo-7d9f8b6c5-abcde");
        assertThat(echo.getNamespace()).isEqualTo("demo");
        assertThat(echo.getAddressesList()).extracting(a -> a.toByteArray())
                .containsExactly(InetAddress.getByName("10.244.2.7").getAddress());
        assertThat(echo.getTrustDomain()).isEqualTo("cluster.local");
        assertThat(echo.getServiceAccount()).isEqualTo("echo");
        assertThat(echo.getNode()).isEqualTo("node-b");
        assertThat(echo.getTunnelProtocol()).isEqualTo(TunnelProtocol.HBONE);
        assertThat(echo.getStatus()).isEqualTo(WorkloadStatus.HEALTHY);
        assertThat(echo.getWorkloadType()).isEqualTo(WorkloadType.DEPLOYMENT);
        assertThat(echo.getWorkloadName()).isEqualTo("echo");
        assertThat(echo.getCanonicalName()).isEqualTo("echo");
        assertThat(echo.getCanonicalRevision()).isEqualTo("v2");
        assertThat(echo.getClusterId()).isEqualTo("Kubernetes");
    }

    @Test
    void servicesMapResolvesNamedTargetPortsPerPod() {
        Workload echo = workloads.get("echo-7d9f8b6c5-abcde");
        assertThat(echo.getServicesMap()).containsOnlyKeys(
                "demo/echo.demo.svc.cluster.local", "demo/echo-headless.demo.svc.cluster.local");
        assertThat(echo.getServicesMap().get("demo/echo.demo.svc.cluster.local").getPortsList())
                .extracting(Port::getServicePort, Port::getTargetPort)
                // 'admin' is not declared by the pod: no endpoint for that port
                .containsExactly(org.assertj.core.groups.Tuple.tuple(80, 8080), org.assertj.core.groups.Tuple.tuple(7070, 7070));
        assertThat(echo.getServicesMap().get("demo/echo-headless.demo.svc.cluster.local").getPortsList())
                .extracting(Port::getServicePort, Port::getTargetPort)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(8080, 8080));
    }

    @Test
    void enrollmentFollowsPodThenNamespaceLabels() {
        assertThat(workloads.get("sleep-opted-out").getTunnelProtocol()).isEqualTo(TunnelProtocol.NONE);
        assertThat(workloads.get("sleep-opted-out").getStatus()).isEqualTo(WorkloadStatus.UNHEALTHY);
        assertThat(workloads.get("sleep-opted-out").getServiceAccount()).isEqualTo("default");
        assertThat(workloads.get("api-0").getTunnelProtocol()).isEqualTo(TunnelProtocol.HBONE);
        assertThat(workloads.get("node-agent").getTunnelProtocol()).isEqualTo(TunnelProtocol.NONE);
    }

    @Test
    void canonicalLabelsWinAndDualStackAddressesAreKept() throws Exception {
        Workload api = workloads.get("api-0");
        assertThat(api.getCanonicalName()).isEqualTo("api-canonical");
        assertThat(api.getCanonicalRevision()).isEqualTo("r7");
        assertThat(api.getWorkloadType()).isEqualTo(WorkloadType.POD);
        assertThat(api.getAddressesList()).extracting(a -> a.toByteArray()).containsExactly(
                InetAddress.getByName("10.244.1.4").getAddress(), InetAddress.getByName("fd00::4").getAddress());
        assertThat(api.getServicesMap()).isEmpty();
    }

    @Test
    void cronJobPodsAndPodsWithoutAddresses() {
        Workload report = workloads.get("report-29012345-xyz12");
        assertThat(report.getWorkloadType()).isEqualTo(WorkloadType.CRONJOB);
        assertThat(report.getWorkloadName()).isEqualTo("report");
        assertThat(report.getCanonicalRevision()).isEqualTo("latest");
        assertThat(workloads).doesNotContainKey("pending");
    }

    @Test
    void servicesCarryHostnameVipsAndPorts() throws Exception {
        Service echo = services.get("demo/echo");
        assertThat(echo.getHostname()).isEqualTo("echo.demo.svc.cluster.local");
        assertThat(echo.getAddressesList()).extracting(a -> a.getAddress().toByteArray())
                .containsExactly(InetAddress.getByName("10.96.0.12").getAddress());
        // named target ports are per pod: 0 at the service level
        assertThat(echo.getPortsList()).extracting(Port::getServicePort, Port::getTargetPort).containsExactly(
                org.assertj.core.groups.Tuple.tuple(80, 0), org.assertj.core.groups.Tuple.tuple(7070, 7070),
                org.assertj.core.groups.Tuple.tuple(9000, 0));
        assertThat(services.get("demo/echo-headless").getAddressesList()).isEmpty();
        assertThat(services.get("demo/echo-headless").getPorts(0).getTargetPort()).isEqualTo(8080);
    }

    @Test
    void addressesAreLiteralsNeverLookedUp() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> WorkloadTranslator.ipBytes("example.com"))
                .hasMessageContaining("not an IP address literal");
    }
}
