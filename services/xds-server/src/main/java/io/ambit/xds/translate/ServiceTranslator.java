package io.ambit.xds.translate;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import com.google.protobuf.ByteString;
import io.ambit.proto.workload.NetworkAddress;
import io.ambit.proto.workload.Port;
import io.ambit.proto.workload.PortList;
import io.ambit.proto.workload.Service;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServicePort;

/**
 * Service → {@code istio.workload.Service}: hostname {@code <name>.<ns>.svc.<domain>}, the cluster
 * IPs as VIPs (none for a headless service), ports with their target ports. A named target port
 * depends on the pod, so the service carries 0 and each workload's {@code services} entry carries
 * the number that pod declares, as Istio does. ExternalName Services are left out (Istio does not
 * implement them in ambient either: DNS answers them).
 *
 * <p>ServiceEntry → one {@code Service} per host: name and namespace of the entry, the host as
 * hostname, {@code spec.addresses} as VIPs, ports with {@code targetPort} (the port number when
 * not set), {@code subjectAltNames}. No VIPs are auto-allocated.
 *
 * <p>Both get a {@code waypoint} when they are bound to one that serves service traffic
 * ({@link WaypointBindings}). A Service or ServiceEntry that does not translate (port out of
 * range, address not an IP literal, malformed spec) is skipped with a {@link Finding}.
 */
public final class ServiceTranslator {

    private ServiceTranslator() {
    }

    public static List<Service> translate(MeshInputs inputs) {
        return translateAll(inputs).resources();
    }

    public static Translated<Service> translateAll(MeshInputs inputs) {
        TranslationContext context = TranslationContext.of(inputs);
        List<Service> services = new ArrayList<>();
        for (var service : inputs.services()) {
            if (service.getSpec() != null && "ExternalName".equals(service.getSpec().getType())) {
                continue;
            }
            try {
                services.add(service(inputs, service, context.waypoints(), context.findings));
            } catch (IllegalArgumentException e) {
                context.findings.add(new Finding("Service", service.getMetadata().getNamespace(), service.getMetadata().getName(),
                        e.getMessage() + "; service skipped"));
            }
        }
        for (ServiceEntrySpec entry : context.serviceEntries()) {
            services.addAll(serviceEntry(entry, context.waypoints(), context.findings));
        }
        return new Translated<>(services, List.copyOf(context.findings));
    }

    static Service service(MeshInputs inputs, io.fabric8.kubernetes.api.model.Service service) {
        return service(inputs, service, WaypointBindings.of(inputs), new ArrayList<>());
    }

    static Service service(MeshInputs inputs, io.fabric8.kubernetes.api.model.Service service, WaypointBindings waypoints,
            Collection<Finding> findings) {
        for (ServicePort port : ports(service)) {
            checkPort("spec.ports[].port", port.getPort());
            if (port.getTargetPort() != null && port.getTargetPort().getIntVal() != null) {
                checkPort("spec.ports[].targetPort", port.getTargetPort().getIntVal());
            }
        }
        Service.Builder out = Service.newBuilder()
                .setName(service.getMetadata().getName())
                .setNamespace(service.getMetadata().getNamespace())
                .setHostname(hostname(inputs, service));
        for (String ip : clusterIps(service)) {
            out.addAddresses(NetworkAddress.newBuilder().setAddress(ByteString.copyFrom(WorkloadTranslator.ipBytes(ip))));
        }
        for (ServicePort port : ports(service)) {
            IntOrString target = port.getTargetPort();
            int targetPort = target == null ? port.getPort()
                    : target.getIntVal() != null ? target.getIntVal() : 0;
            out.addPorts(Port.newBuilder().setServicePort(port.getPort()).setTargetPort(targetPort));
        }
        String namespace = service.getMetadata().getNamespace();
        String name = service.getMetadata().getName();
        // A waypoint's own Service never goes through a waypoint (it would loop).
        if (!Labels.MESH_CONTROLLER.equals(Labels.of(service).get(Labels.GATEWAY_MANAGED)) && !waypoints.isWaypointService(namespace, name)) {
            waypoints.resolve(WaypointBindings.Target.SERVICE, "Service", namespace, name, Labels.of(service), findings)
                    .ifPresent(out::setWaypoint);
        }
        return out.build();
    }

    static List<Service> serviceEntry(ServiceEntrySpec entry, WaypointBindings waypoints, Collection<Finding> findings) {
        var waypoint = Labels.MESH_CONTROLLER.equals(entry.labels().get(Labels.GATEWAY_MANAGED)) ? java.util.Optional.<io.ambit.proto.workload.GatewayAddress>empty()
                : waypoints.resolve(WaypointBindings.Target.SERVICE, "ServiceEntry", entry.namespace(), entry.name(), entry.labels(), findings);
        List<Service> services = new ArrayList<>();
        for (String host : entry.hosts()) {
            Service.Builder out = Service.newBuilder()
                    .setName(entry.name())
                    .setNamespace(entry.namespace())
                    .setHostname(host)
                    .addAllSubjectAltNames(entry.subjectAltNames());
            for (String address : entry.addresses()) {
                out.addAddresses(NetworkAddress.newBuilder().setAddress(ByteString.copyFrom(IpLiteral.bytes(address))));
            }
            for (ServiceEntrySpec.PortSpec port : entry.ports()) {
                out.addPorts(Port.newBuilder().setServicePort(port.number()).setTargetPort(port.targetPort()));
            }
            waypoint.ifPresent(out::setWaypoint);
            services.add(out.build());
        }
        return services;
    }

    private static void checkPort(String field, Integer port) {
        if (port == null || port < 1 || port > 65535) {
            throw new IllegalArgumentException(field + ": port " + port + " is out of range 1-65535");
        }
    }

    static String hostname(MeshInputs inputs, io.fabric8.kubernetes.api.model.Service service) {
        return service.getMetadata().getName() + "." + service.getMetadata().getNamespace() + ".svc." + inputs.clusterDomain();
    }

    /** A selector-less service selects nothing (its endpoints are managed by hand). */
    static boolean selects(io.fabric8.kubernetes.api.model.Service service, Pod pod) {
        if (!service.getMetadata().getNamespace().equals(pod.getMetadata().getNamespace())) {
            return false;
        }
        Map<String, String> selector = service.getSpec() == null ? null : service.getSpec().getSelector();
        if (selector == null || selector.isEmpty()) {
            return false;
        }
        Map<String, String> labels = Labels.of(pod);
        return selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    /** The service's ports with target ports as this pod declares them (named ports resolved). */
    static PortList portsFor(io.fabric8.kubernetes.api.model.Service service, Pod pod) {
        PortList.Builder list = PortList.newBuilder();
        for (ServicePort port : ports(service)) {
            IntOrString target = port.getTargetPort();
            int targetPort;
            if (target == null) {
                targetPort = port.getPort();
            } else if (target.getIntVal() != null) {
                targetPort = target.getIntVal();
            } else {
                targetPort = namedPort(pod, target.getStrVal());
                if (targetPort == 0) {
                    continue; // the pod does not declare that port name: no endpoint for this port
                }
            }
            list.addPorts(Port.newBuilder().setServicePort(port.getPort()).setTargetPort(targetPort));
        }
        return list.build();
    }

    private static int namedPort(Pod pod, String name) {
        return pod.getSpec().getContainers().stream()
                .flatMap(c -> c.getPorts() == null ? java.util.stream.Stream.<ContainerPort>empty() : c.getPorts().stream())
                .filter(p -> name.equals(p.getName()))
                .map(ContainerPort::getContainerPort)
                .findFirst()
                .orElse(0);
    }

    static List<ServicePort> ports(io.fabric8.kubernetes.api.model.Service service) {
        return service.getSpec() == null || service.getSpec().getPorts() == null ? List.of() : service.getSpec().getPorts();
    }

    static List<String> clusterIps(io.fabric8.kubernetes.api.model.Service service) {
        if (service.getSpec() == null) {
            return List.of();
        }
        List<String> ips = service.getSpec().getClusterIPs() != null && !service.getSpec().getClusterIPs().isEmpty()
                ? service.getSpec().getClusterIPs()
                : service.getSpec().getClusterIP() == null ? List.of() : List.of(service.getSpec().getClusterIP());
        return ips.stream().filter(ip -> !ip.isEmpty() && !"None".equals(ip)).toList();
    }
}
