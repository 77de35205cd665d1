package io.ambit.service.discovery;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;

/**
 * Finds the control plane's services (ca-service, xds-server) through Spring Cloud's
 * {@link DiscoveryClient} in Kubernetes mode (Spring Cloud Kubernetes' fabric8 client: the Services
 * and their endpoints, from informers in the mesh namespace). A service is named by the DNS name its
 * setting already holds, {@code <service>.<namespace>.svc[.<domain>]:<port>}, and its port by the
 * Service port's name ({@code grpc-ca}); that DNS name stays the fallback, so the setting means the
 * same with or without discovery. In local mode, or for an address that is not a Service DNS name
 * (an IP, {@code localhost}), there is no lookup and the address is used as it is.
 */
public final class ControlPlaneDiscovery {

    /** Spring Cloud Kubernetes' metadata keys of a service instance ({@code KubernetesDiscoveryConstants}). */
    static final String NAMESPACE_KEY = "k8s_namespace";
    static final String PORT_PREFIX = "port.";

    private final DiscoveryClient discovery;

    /** @param discovery null: no discovery (local mode) */
    public ControlPlaneDiscovery(DiscoveryClient discovery) {
        this.discovery = discovery;
    }

    public static ControlPlaneDiscovery none() {
        return new ControlPlaneDiscovery(null);
    }

    public boolean enabled() {
        return discovery != null;
    }

    /**
     * The lookup of {@code hostPort}'s Service endpoints on the port named {@code portName}, or empty when
     * there is no discovery or {@code hostPort} names no Service.
     */
    public Optional<Supplier<List<InetSocketAddress>>> lookup(String hostPort, String portName) {
        if (discovery == null) {
            return Optional.empty();
        }
        return ServiceDnsName.parse(hostPort).map(name -> () -> endpoints(name, portName));
    }

    /** The ready endpoints of that Service with that port; empty when discovery knows none. */
    List<InetSocketAddress> endpoints(ServiceDnsName name, String portName) {
        return discovery.getInstances(name.service()).stream()
                .filter(instance -> name.namespace().equals(instance.getMetadata().get(NAMESPACE_KEY)))
                .flatMap(instance -> address(instance, portName).stream())
                .toList();
    }

    private static Optional<InetSocketAddress> address(ServiceInstance instance, String portName) {
        String port = instance.getMetadata().get(PORT_PREFIX + portName);
        if (port == null || instance.getHost() == null) {
            return Optional.empty();
        }
        try {
            // the endpoint's IP as Kubernetes reports it: a literal, so no name lookup happens here
            return Optional.of(new InetSocketAddress(instance.getHost(), Integer.parseInt(port)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** {@code <service>.<namespace>.svc[...]:<port>}: the Service a control-plane address names. */
    record ServiceDnsName(String service, String namespace) {

        static Optional<ServiceDnsName> parse(String hostPort) {
            int colon = hostPort.lastIndexOf(':');
            String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
            String[] labels = host.split("\\.");
            if (labels.length < 3 || !labels[2].equals("svc") || labels[0].isEmpty() || labels[1].isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new ServiceDnsName(labels[0], labels[1]));
        }
    }
}
