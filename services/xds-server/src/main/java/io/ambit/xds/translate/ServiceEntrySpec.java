package io.ambit.xds.translate;

import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;

/**
 * The fields of a ServiceEntry that ambient reads, checked: every host a string, every address an
 * IP literal (Istio drops a ServiceEntry whose addresses include a CIDR, and so do we), ports in
 * range, the workload selector a map of strings.
 *
 * @param workloadSelector null when the ServiceEntry selects nothing (its endpoints are inline)
 */
record ServiceEntrySpec(String namespace, String name, Map<String, String> labels, List<String> hosts,
                        List<String> addresses, List<ServiceEntrySpec.PortSpec> ports, List<String> subjectAltNames,
                        Map<String, String> workloadSelector, List<WorkloadEntrySpec> endpoints) {

    /** @param targetPort {@code targetPort}, or the port's number when not set (as Istio does) */
    record PortSpec(String name, int number, int targetPort) {
    }

    static ServiceEntrySpec read(GenericKubernetesResource entry) {
        // Istio's fields only (a Kubernetes-mode object gets here without the local store's check)
        io.ambit.gatewayapi.istio.IstioSpecs.bind(entry.getAdditionalProperties().get("spec"),
                io.ambit.gatewayapi.istio.ServiceEntrySpec.class);
        SpecReader spec = SpecReader.of(entry.getAdditionalProperties().get("spec"), "spec");
        List<String> hosts = spec.strings("hosts");
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException("spec.hosts: at least one host is required");
        }
        List<String> addresses = spec.strings("addresses");
        for (String address : addresses) {
            if (!IpLiteral.is(address)) {
                throw new IllegalArgumentException("spec.addresses: " + address
                        + " is not an IP address literal (CIDR ranges are not supported in ambient)");
            }
        }
        List<PortSpec> ports = new java.util.ArrayList<>();
        for (SpecReader port : spec.objects("ports")) {
            int number = port.port("number", true);
            int target = port.port("targetPort", false);
            ports.add(new PortSpec(port.string("name", ""), number, target == 0 ? number : target));
        }
        Map<String, String> selector = spec.has("workloadSelector") ? spec.object("workloadSelector").stringMap("labels") : null;
        List<WorkloadEntrySpec> endpoints = new java.util.ArrayList<>();
        for (SpecReader endpoint : spec.objects("endpoints")) {
            WorkloadEntrySpec e = WorkloadEntrySpec.read(endpoint);
            if (e.address().isEmpty()) {
                throw new IllegalArgumentException(endpoint.path("address") + ": required");
            }
            endpoints.add(e);
        }
        return new ServiceEntrySpec(entry.getMetadata().getNamespace(), entry.getMetadata().getName(), Labels.of(entry),
                hosts, addresses, ports, spec.strings("subjectAltNames"), selector == null || selector.isEmpty() ? null : selector,
                endpoints);
    }

    boolean selects(String namespace, Map<String, String> labels) {
        return workloadSelector != null && this.namespace.equals(namespace) && Labels.matches(workloadSelector, labels);
    }
}
