package io.ambit.xds.translate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import io.ambit.proto.workload.Port;
import io.ambit.proto.workload.PortList;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;

/**
 * What one translation pass works out once and every object reads: the waypoints and their
 * bindings, the ServiceEntries that parse, which pods the EndpointSlices of selector-less
 * Services name, and the findings so far (a set: the same problem is reported once).
 */
final class TranslationContext {

    private final MeshInputs inputs;
    private final WaypointBindings waypoints;
    private final List<ServiceEntrySpec> serviceEntries;
    /** pod {@code ns/name} → service key → service port → port, from EndpointSlices. */
    private final Map<String, Map<String, Map<Integer, Port>>> slicePorts;
    final Set<Finding> findings = new LinkedHashSet<>();
    /** Services by namespace: a pod is only ever selected by Services of its own namespace. */
    private final Map<String, List<io.fabric8.kubernetes.api.model.Service>> servicesByNamespace;
    private AuthorizationTranslator.Selection policySelection;

    private TranslationContext(MeshInputs inputs) {
        this.inputs = inputs;
        this.waypoints = WaypointBindings.of(inputs);
        this.serviceEntries = new ArrayList<>();
        this.slicePorts = new LinkedHashMap<>();
        this.servicesByNamespace = new java.util.HashMap<>();
        for (GenericKubernetesResource entry : inputs.serviceEntries()) {
            try {
                serviceEntries.add(ServiceEntrySpec.read(entry));
            } catch (IllegalArgumentException e) {
                findings.add(new Finding("ServiceEntry", entry.getMetadata().getNamespace(), entry.getMetadata().getName(),
                        e.getMessage() + "; ServiceEntry skipped"));
            }
        }
        indexEndpointSlices();
        for (var service : inputs.services()) {
            servicesByNamespace.computeIfAbsent(service.getMetadata().getNamespace(), ns -> new ArrayList<>()).add(service);
        }
    }

    /** The same indexes with no findings yet: for another pass over some pods of the same inputs. */
    private TranslationContext(TranslationContext template) {
        this.inputs = template.inputs;
        this.waypoints = template.waypoints;
        this.serviceEntries = template.serviceEntries;
        this.slicePorts = template.slicePorts;
        this.servicesByNamespace = template.servicesByNamespace;
        if (template.policySelection == null) {
            template.policySelection = new AuthorizationTranslator.Selection(inputs);
        }
        this.policySelection = template.policySelection;
    }

    TranslationContext forAnotherPass() {
        return new TranslationContext(this);
    }

    List<io.fabric8.kubernetes.api.model.Service> servicesIn(String namespace) {
        return servicesByNamespace.getOrDefault(namespace, List.of());
    }

    /** The selector policies (authorization and converted peer authentication) a workload carries. */
    List<String> policiesSelecting(String namespace, Map<String, String> labels) {
        if (policySelection == null) {
            policySelection = new AuthorizationTranslator.Selection(inputs);
        }
        return policySelection.selecting(namespace, labels);
    }

    static TranslationContext of(MeshInputs inputs) {
        return new TranslationContext(inputs);
    }

    WaypointBindings waypoints() {
        return waypoints;
    }

    List<ServiceEntrySpec> serviceEntries() {
        return serviceEntries;
    }

    /**
     * A pod's services beyond those whose selector matches it: ServiceEntries whose
     * {@code workloadSelector} matches (Istio's default, {@code PILOT_ENABLE_SERVICEENTRY_SELECT_PODS}),
     * with the ServiceEntry's target ports; and selector-less Services whose EndpointSlices name
     * the pod, with the slices' port numbers.
     */
    Map<String, PortList> extraServicesForPod(Pod pod) {
        String namespace = pod.getMetadata().getNamespace();
        Map<String, PortList> services = new LinkedHashMap<>();
        for (ServiceEntrySpec entry : serviceEntries) {
            if (entry.selects(namespace, Labels.of(pod))) {
                PortList.Builder ports = PortList.newBuilder();
                entry.ports().forEach(p -> ports.addPorts(Port.newBuilder().setServicePort(p.number()).setTargetPort(p.targetPort())));
                entry.hosts().forEach(host -> services.put(namespace + "/" + host, ports.build()));
            }
        }
        slicePorts.getOrDefault(namespace + "/" + pod.getMetadata().getName(), Map.of())
                .forEach((service, ports) -> services.put(service, PortList.newBuilder().addAllPorts(ports.values()).build()));
        return services;
    }

    /**
     * A WorkloadEntry's services: Services whose selector matches its labels (Istio's default,
     * {@code PILOT_ENABLE_K8S_SELECT_WORKLOAD_ENTRIES}; a named target port is looked up in the
     * entry's {@code ports}, and the port is left out if the entry does not name it), and
     * ServiceEntries whose {@code workloadSelector} matches.
     */
    Map<String, PortList> servicesForWorkloadEntry(String namespace, Map<String, String> labels, WorkloadEntrySpec entry) {
        Map<String, PortList> services = new LinkedHashMap<>();
        for (var service : inputs.services()) {
            Map<String, String> selector = service.getSpec() == null ? null : service.getSpec().getSelector();
            if (!namespace.equals(service.getMetadata().getNamespace()) || !Labels.matches(selector, labels)) {
                continue;
            }
            PortList.Builder ports = PortList.newBuilder();
            for (ServicePort port : ServiceTranslator.ports(service)) {
                IntOrString target = port.getTargetPort();
                Integer targetPort = target == null ? port.getPort()
                        : target.getIntVal() != null ? target.getIntVal() : entry.ports().get(target.getStrVal());
                if (targetPort != null) {
                    ports.addPorts(Port.newBuilder().setServicePort(port.getPort()).setTargetPort(targetPort));
                }
            }
            services.put(namespace + "/" + ServiceTranslator.hostname(inputs, service), ports.build());
        }
        for (ServiceEntrySpec serviceEntry : serviceEntries) {
            if (serviceEntry.selects(namespace, labels)) {
                services.putAll(servicesOfEntry(serviceEntry, entry));
            }
        }
        return services;
    }

    /**
     * The ServiceEntry's hosts as services of one of its endpoints. ServiceEntry ports have no
     * named target ports; instead an endpoint port of the same name overrides the target port.
     */
    static Map<String, PortList> servicesOfEntry(ServiceEntrySpec serviceEntry, WorkloadEntrySpec endpoint) {
        PortList.Builder ports = PortList.newBuilder();
        for (ServiceEntrySpec.PortSpec port : serviceEntry.ports()) {
            int target = endpoint.ports().getOrDefault(port.name(), port.targetPort());
            ports.addPorts(Port.newBuilder().setServicePort(port.number()).setTargetPort(target));
        }
        Map<String, PortList> services = new LinkedHashMap<>();
        serviceEntry.hosts().forEach(host -> services.put(serviceEntry.namespace() + "/" + host, ports.build()));
        return services;
    }

    /**
     * A Service without a selector has its endpoints managed by hand, in EndpointSlices labelled
     * {@code kubernetes.io/service-name}. An endpoint whose {@code targetRef} is a Pod makes the
     * pod a member; each service port maps to the slice port of the same name (both unnamed for a
     * single-port service). Endpoints without a Pod targetRef are left out: ambient has no
     * workload to attach them to.
     */
    private void indexEndpointSlices() {
        for (var service : inputs.services()) {
            Map<String, String> selector = service.getSpec() == null ? null : service.getSpec().getSelector();
            if (selector != null && !selector.isEmpty()) {
                continue;
            }
            String namespace = service.getMetadata().getNamespace();
            String serviceKey = namespace + "/" + ServiceTranslator.hostname(inputs, service);
            for (EndpointSlice slice : inputs.endpointSlices()) {
                if (!namespace.equals(slice.getMetadata().getNamespace())
                        || !service.getMetadata().getName().equals(Labels.of(slice).get(Labels.SERVICE_NAME))) {
                    continue;
                }
                List<EndpointPort> slicePorts = slice.getPorts() == null ? List.of() : slice.getPorts();
                for (Endpoint endpoint : slice.getEndpoints() == null ? List.<Endpoint>of() : slice.getEndpoints()) {
                    var ref = endpoint.getTargetRef();
                    if (ref == null || !"Pod".equals(ref.getKind()) || ref.getName() == null) {
                        continue;
                    }
                    String podKey = Objects.requireNonNullElse(ref.getNamespace(), namespace) + "/" + ref.getName();
                    Map<Integer, Port> ports = this.slicePorts.computeIfAbsent(podKey, k -> new LinkedHashMap<>())
                            .computeIfAbsent(serviceKey, k -> new LinkedHashMap<>());
                    for (ServicePort port : ServiceTranslator.ports(service)) {
                        String name = Objects.requireNonNullElse(port.getName(), "");
                        slicePorts.stream()
                                .filter(p -> name.equals(Objects.requireNonNullElse(p.getName(), "")) && p.getPort() != null)
                                .findFirst()
                                .ifPresent(p -> ports.put(port.getPort(),
                                        Port.newBuilder().setServicePort(port.getPort()).setTargetPort(p.getPort()).build()));
                    }
                }
            }
        }
    }
}
