package io.ambit.xds.translate;

import static io.ambit.xds.translate.Fixtures.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.ambit.proto.workload.Locality;
import io.ambit.proto.workload.Port;
import io.ambit.proto.workload.Service;
import io.ambit.proto.workload.TunnelProtocol;
import io.ambit.proto.workload.Workload;
import io.ambit.proto.workload.WorkloadStatus;
import io.ambit.proto.workload.WorkloadType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** WorkloadEntries, ServiceEntries and EndpointSlice-backed Services ({@code translate/external.yaml}). */
class ExternalWorkloadsTest {

    static Translated<Workload> workloads;
    static Translated<Service> services;
    static Map<String, Workload> byUid;
    static Map<String, Service> byHost;

    @BeforeAll
    static void translate() {
        MeshInputs inputs = Fixtures.load("external.yaml");
        workloads = WorkloadTranslator.translateAll(inputs);
        services = ServiceTranslator.translateAll(inputs);
        byUid = workloads.resources().stream().collect(Collectors.toMap(Workload::getUid, Function.identity()));
        byHost = services.resources().stream().collect(Collectors.toMap(s -> s.getNamespace() + "/" + s.getHostname(), Function.identity()));
    }

    @Test
    void aWorkloadEntryBecomesAWorkloadWithIstiosUid() {
        Workload vm = byUid.get("Kubernetes/networking.istio.io/WorkloadEntry/ext/vm-1");
        assertThat(vm.getName()).isEqualTo("vm-1");
        assertThat(vm.getNamespace()).isEqualTo("ext");
        assertThat(vm.getAddressesList()).containsExactly(ip("10.1.0.5"));
        assertThat(vm.getNetwork()).isEqualTo("net-2");
        assertThat(vm.getServiceAccount()).isEqualTo("vm-sa");
        assertThat(vm.getTrustDomain()).isEqualTo("cluster.local");
        assertThat(vm.getTunnelProtocol()).isEqualTo(TunnelProtocol.HBONE);
        assertThat(vm.getWorkloadType()).isEqualTo(WorkloadType.POD);
        assertThat(vm.getWorkloadName()).isEqualTo("vm-1");
        assertThat(vm.getCanonicalName()).isEqualTo("vm-app");
        assertThat(vm.getCanonicalRevision()).isEqualTo("v3");
        assertThat(vm.getStatus()).isEqualTo(WorkloadStatus.HEALTHY);
        assertThat(vm.getClusterId()).isEqualTo("Kubernetes");
        assertThat(vm.getLocality()).isEqualTo(Locality.newBuilder().setRegion("us-east").setZone("zone-a").setSubzone("rack-1").build());
        assertThat(vm.getCapacity().getValue()).isEqualTo(3);
        assertThat(vm.hasWaypoint()).isFalse();
    }

    @Test
    void aWorkloadEntryIsInServicesAndServiceEntriesThatSelectIt() {
        Workload vm = byUid.get("Kubernetes/networking.istio.io/WorkloadEntry/ext/vm-1");
        assertThat(vm.getServicesMap()).containsOnlyKeys("ext/vm-svc.ext.svc.cluster.local", "ext/vm.example.com");
        // named target port 'http' from the entry's ports; 'metrics' is not among them: left out
        assertThat(vm.getServicesMap().get("ext/vm-svc.ext.svc.cluster.local").getPortsList())
                .extracting(Port::getServicePort, Port::getTargetPort).containsExactly(tuple(80, 8080), tuple(7000, 7001));
        // ServiceEntry ports match the entry's ports by name, else keep their target port
        assertThat(vm.getServicesMap().get("ext/vm.example.com").getPortsList())
                .extracting(Port::getServicePort, Port::getTargetPort).containsExactly(tuple(443, 8443), tuple(80, 8080));
    }

    @Test
    void workloadEntryEnrolmentFollowsThePodLabelRules() {
        Workload optOut = byUid.get("Kubernetes/networking.istio.io/WorkloadEntry/ext/vm-optout");
        assertThat(optOut.getTunnelProtocol()).isEqualTo(TunnelProtocol.NONE);
        assertThat(optOut.getAddressesList()).containsExactly(ip("fd00::7"));
        assertThat(optOut.getServiceAccount()).isEqualTo("default");
        assertThat(optOut.hasCapacity()).isFalse();
        assertThat(optOut.hasLocality()).isFalse();
        Workload plain = byUid.get("Kubernetes/networking.istio.io/WorkloadEntry/plain/vm-plain");
        assertThat(plain.getTunnelProtocol()).isEqualTo(TunnelProtocol.HBONE);
        assertThat(plain.getCanonicalName()).isEqualTo("plain-vm");
        assertThat(plain.getCanonicalRevision()).isEqualTo("latest");
    }

    @Test
    void aServiceEntryIsOneServicePerHost() {
        assertThat(services.resources()).filteredOn(s -> s.getName().equals("external-db")).hasSize(2);
        Service db = byHost.get("ext/db.example.com");
        assertThat(db.getName()).isEqualTo("external-db");
        assertThat(db.getNamespace()).isEqualTo("ext");
        assertThat(db.getAddressesList()).extracting(a -> a.getAddress()).containsExactly(ip("240.0.0.10"));
        assertThat(db.getPortsList()).extracting(Port::getServicePort, Port::getTargetPort)
                .containsExactly(tuple(5432, 5432), tuple(8080, 80));
        assertThat(db.getSubjectAltNamesList()).containsExactly("spiffe://cluster.local/ns/ext/sa/db");
        assertThat(byHost.get("ext/db-alt.example.com").getAddressesList()).extracting(a -> a.getAddress()).containsExactly(ip("240.0.0.10"));
        assertThat(byHost.get("ext/vm.example.com").getAddressesList()).isEmpty();
    }

    @Test
    void serviceEntryEndpointsBecomeWorkloads() {
        Workload byIp = byUid.get("Kubernetes/networking.istio.io/ServiceEntry/ext/external-db/10.2.0.1");
        assertThat(byIp.getName()).isEqualTo("external-db");
        assertThat(byIp.getWorkloadName()).isEqualTo("external-db");
        assertThat(byIp.getCanonicalName()).isEqualTo("db");
        assertThat(byIp.getAddressesList()).containsExactly(ip("10.2.0.1"));
        assertThat(byIp.getServiceAccount()).isEqualTo("db");
        assertThat(byIp.getLocality().getRegion()).isEqualTo("eu-west");
        assertThat(byIp.getTunnelProtocol()).isEqualTo(TunnelProtocol.HBONE);
        assertThat(byIp.getServicesMap()).containsOnlyKeys("ext/db.example.com", "ext/db-alt.example.com");
        assertThat(byIp.getServicesMap().get("ext/db.example.com").getPortsList())
                .extracting(Port::getServicePort, Port::getTargetPort).containsExactly(tuple(5432, 5432), tuple(8080, 9080));

        Workload byName = byUid.get("Kubernetes/networking.istio.io/ServiceEntry/ext/external-db/db.backup.example.com");
        assertThat(byName.getAddressesList()).isEmpty();
        assertThat(byName.getHostname()).isEqualTo("db.backup.example.com");
        assertThat(byName.getServicesMap().get("ext/db-alt.example.com").getPortsList())
                .extracting(Port::getServicePort, Port::getTargetPort).containsExactly(tuple(5432, 5432), tuple(8080, 80));

        assertThat(workloads.resources()).filteredOn(w -> w.getName().equals("external-db")).hasSize(2);
        assertThat(workloads.findings()).contains(new Finding("ServiceEntry", "ext", "external-db",
                "endpoint address 10.2.0.1 appears more than once; only the first is used"));
    }

    @Test
    void aServiceEntryWorkloadSelectorSelectsPods() {
        Workload pod = byUid.get("Kubernetes//Pod/ext/legacy-pod");
        assertThat(pod.getServicesMap()).containsOnlyKeys("ext/legacy.example.com");
        assertThat(pod.getServicesMap().get("ext/legacy.example.com").getPortsList())
                .extracting(Port::getServicePort, Port::getTargetPort).containsExactly(tuple(80, 8080));
    }

    @Test
    void aSelectorlessServiceTakesItsPodsFromEndpointSlices() {
        Workload backend = byUid.get("Kubernetes//Pod/ext/manual-backend");
        // the slice of 'selected' (a Service with a selector) does not count
        assertThat(backend.getServicesMap()).containsOnlyKeys("ext/manual.ext.svc.cluster.local");
        // ports matched by name to the slice's; 'admin' has no slice port
        assertThat(backend.getServicesMap().get("ext/manual.ext.svc.cluster.local").getPortsList())
                .extracting(Port::getServicePort, Port::getTargetPort).containsExactly(tuple(80, 8081), tuple(9000, 9001));
        Service manual = byHost.get("ext/manual.ext.svc.cluster.local");
        assertThat(manual.getPortsList()).extracting(Port::getServicePort, Port::getTargetPort)
                .containsExactly(tuple(80, 8080), tuple(9000, 9000), tuple(9999, 9999));
        // the endpoint without a Pod targetRef makes no workload
        assertThat(workloads.resources()).noneMatch(w -> w.getAddressesList().contains(ip("10.9.9.9")));
    }

    @Test
    void objectsThatDoNotTranslateAreSkippedWithAFinding() {
        assertThat(workloads.findings()).contains(
                new Finding("WorkloadEntry", "ext", "vm-dns", "spec.address: vm.internal.example is not an IP address literal "
                        + "(DNS addresses are not supported for WorkloadEntry in ambient); workload skipped"),
                new Finding("WorkloadEntry", "ext", "vm-badport", "spec.ports.http: port 70000 is out of range 1-65535; workload skipped"),
                new Finding("Pod", "ext", "bad-ip-pod", "not an IP address literal: 10.244.3; workload skipped"),
                new Finding("ServiceEntry", "ext", "cidr-se", "spec.addresses: 10.0.0.0/24 is not an IP address literal "
                        + "(CIDR ranges are not supported in ambient); ServiceEntry skipped"));
        assertThat(services.findings()).containsExactlyInAnyOrder(
                new Finding("Service", "ext", "bad-port", "spec.ports[].port: port 70000 is out of range 1-65535; service skipped"),
                new Finding("Service", "ext", "bad-ip", "not an IP address literal: 10.96.500.1; service skipped"),
                new Finding("ServiceEntry", "ext", "cidr-se", "spec.addresses: 10.0.0.0/24 is not an IP address literal "
                        + "(CIDR ranges are not supported in ambient); ServiceEntry skipped"));
        assertThat(byUid.keySet()).noneMatch(uid -> uid.contains("vm-dns") || uid.contains("vm-badport") || uid.contains("bad-ip-pod"));
        assertThat(byHost).doesNotContainKeys("ext/range.example.com", "ext/bad-port.ext.svc.cluster.local",
                "ext/bad-ip.ext.svc.cluster.local", "ext/external-name.ext.svc.cluster.local");
        // the rest still translates
        assertThat(byUid).hasSize(7);
        assertThat(byHost).hasSize(7);
    }
}
