package io.ambit.xds.translate;

import java.util.ArrayList;
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
 * the number that pod declares, as Istio does.
 */
public final class ServiceTranslator {

    private ServiceTranslator() {
    }

    public static List<Service> translate(MeshInputs inputs) {
        List<Service> services = new ArrayList<>();
        for (var service : inputs.services()) {
            services.add(service(inputs, service));
        }
        return services;
    }

    static Service service(MeshInputs inputs, io.fabric8.kubernetes.api.model.Service service) {
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
        return out.build();
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

    private static List<ServicePort> ports(io.fabric8.kubernetes.api.model.Service service) {
        return service.getSpec() == null || service.getSpec().getPorts() == null ? List.of() : service.getSpec().getPorts();
    }

    private static List<String> clusterIps(io.fabric8.kubernetes.api.model.Service service) {
        if (service.getSpec() == null) {
            return List.of();
        }
        List<String> ips = service.getSpec().getClusterIPs() != null && !service.getSpec().getClusterIPs().isEmpty()
                ? service.getSpec().getClusterIPs()
                : service.getSpec().getClusterIP() == null ? List.of() : List.of(service.getSpec().getClusterIP());
        return ips.stream().filter(ip -> !ip.isEmpty() && !"None".equals(ip)).toList();
    }
}
