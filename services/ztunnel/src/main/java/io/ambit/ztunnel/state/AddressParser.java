package io.ambit.ztunnel.state;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.ambit.proto.workload.GatewayAddress;
import io.ambit.proto.workload.PortList;
import io.ambit.proto.workload.TunnelProtocol;
import io.ambit.proto.workload.WorkloadStatus;

/**
 * {@code istio.workload.Address} → {@link Workload} or {@link Service}, refusing what ztunnel cannot
 * use safely. Beside what Istio's ztunnel refuses (an address that is not 4 or 16 bytes, an unknown
 * enum value, a gateway address without destination) Ambit also refuses a workload without uid, a
 * resource whose name is not its key (its removal could never find it), ports past 65535 (ztunnel
 * truncates them to 16 bits) and repeated fields past generous limits.
 */
final class AddressParser extends ResourceParser<io.ambit.proto.workload.Address, Address> {

    static final int MAX_ADDRESSES = 256;
    static final int MAX_PORTS = 4096;
    static final int MAX_SERVICES_PER_WORKLOAD = 4096;
    static final int MAX_POLICY_REFERENCES = 4096;
    static final int MAX_SUBJECT_ALT_NAMES = 256;
    /** What ztunnel assumes when the control plane leaves identity fields empty. */
    static final String DEFAULT_TRUST_DOMAIN = "cluster.local";
    static final String DEFAULT_SERVICE_ACCOUNT = "default";

    AddressParser() {
        super(io.ambit.proto.workload.Address.class, "istio.workload.Address");
    }

    @Override
    Address doParse(String name, io.ambit.proto.workload.Address address) throws InvalidResourceException {
        return switch (address.getTypeCase()) {
            case WORKLOAD -> workload(name, address.getWorkload());
            case SERVICE -> service(name, address.getService());
            case TYPE_NOT_SET -> throw new InvalidResourceException("Address has neither a workload nor a service");
        };
    }

    private static Workload workload(String name, io.ambit.proto.workload.Workload w) throws InvalidResourceException {
        if (w.getUid().isEmpty()) {
            throw new InvalidResourceException("workload has no uid");
        }
        if (!name.equals(w.getUid())) {
            throw new InvalidResourceException("resource name is not the workload's uid \"" + truncate(w.getUid()) + "\"");
        }
        atMost(w.getAddressesCount(), MAX_ADDRESSES, "addresses");
        List<InetAddress> addresses = new ArrayList<>();
        for (int i = 0; i < w.getAddressesCount(); i++) {
            addresses.add(ip(w.getAddresses(i), "addresses[" + i + "]"));
        }
        if (w.getTunnelProtocol() == TunnelProtocol.UNRECOGNIZED) {
            throw new InvalidResourceException("tunnel_protocol: unknown value " + w.getTunnelProtocolValue());
        }
        if (w.getStatus() == WorkloadStatus.UNRECOGNIZED) {
            throw new InvalidResourceException("status: unknown value " + w.getStatusValue());
        }
        Optional<GatewayAddress> waypoint = w.hasWaypoint() ? Optional.of(gateway(w.getWaypoint(), "waypoint")) : Optional.empty();
        if (w.hasNetworkGateway()) {
            gateway(w.getNetworkGateway(), "network_gateway");
        }
        if (w.hasApplicationTunnel()) {
            targetPort(w.getApplicationTunnel().getPort(), "application_tunnel.port");
        }
        atMost(w.getServicesCount(), MAX_SERVICES_PER_WORKLOAD, "services");
        Map<String, List<PortMapping>> services = new LinkedHashMap<>();
        for (Map.Entry<String, PortList> service : w.getServicesMap().entrySet()) {
            String key = service.getKey();
            String at = "services[\"" + truncate(key) + "\"]";
            if (!namespacedHostname(key)) {
                throw new InvalidResourceException(at + ": key is not namespace/hostname");
            }
            services.put(key, ports(service.getValue().getPortsList(), at + ".ports"));
        }
        atMost(w.getAuthorizationPoliciesCount(), MAX_POLICY_REFERENCES, "authorization_policies");
        for (int i = 0; i < w.getAuthorizationPoliciesCount(); i++) {
            if (!namespacedHostname(w.getAuthorizationPolicies(i))) {
                throw new InvalidResourceException("authorization_policies[" + i + "]: \""
                        + truncate(w.getAuthorizationPolicies(i)) + "\" is not namespace/name");
            }
        }
        return new Workload(w.getUid(), w.getName(), w.getNamespace(), addresses, w.getHostname(), w.getNetwork(),
                w.getTunnelProtocol(),
                w.getTrustDomain().isEmpty() ? DEFAULT_TRUST_DOMAIN : w.getTrustDomain(),
                w.getServiceAccount().isEmpty() ? DEFAULT_SERVICE_ACCOUNT : w.getServiceAccount(),
                w.getNode(), waypoint, services, w.getAuthorizationPoliciesList(), w.getStatus(), w);
    }

    private static Service service(String name, io.ambit.proto.workload.Service s) throws InvalidResourceException {
        if (s.getHostname().isEmpty()) {
            throw new InvalidResourceException("service has no hostname");
        }
        if (s.getNamespace().isEmpty()) {
            throw new InvalidResourceException("service has no namespace");
        }
        String key = s.getNamespace() + "/" + s.getHostname();
        if (!name.equals(key)) {
            throw new InvalidResourceException("resource name is not the service's namespace/hostname \"" + truncate(key) + "\"");
        }
        atMost(s.getAddressesCount(), MAX_ADDRESSES, "addresses");
        List<NetworkAddress> vips = new ArrayList<>();
        for (int i = 0; i < s.getAddressesCount(); i++) {
            var vip = s.getAddresses(i);
            vips.add(new NetworkAddress(vip.getNetwork(), ip(vip.getAddress(), "addresses[" + i + "].address")));
        }
        List<PortMapping> ports = ports(s.getPortsList(), "ports");
        atMost(s.getSubjectAltNamesCount(), MAX_SUBJECT_ALT_NAMES, "subject_alt_names");
        Optional<GatewayAddress> waypoint = s.hasWaypoint() ? Optional.of(gateway(s.getWaypoint(), "waypoint")) : Optional.empty();
        return new Service(s.getName(), s.getNamespace(), s.getHostname(), vips, ports, s.getSubjectAltNamesList(), waypoint, s);
    }

    private static List<PortMapping> ports(List<io.ambit.proto.workload.Port> ports, String field) throws InvalidResourceException {
        atMost(ports.size(), MAX_PORTS, field);
        List<PortMapping> out = new ArrayList<>(ports.size());
        for (int i = 0; i < ports.size(); i++) {
            var p = ports.get(i);
            out.add(new PortMapping(port(p.getServicePort(), field + "[" + i + "].service_port"),
                    targetPort(p.getTargetPort(), field + "[" + i + "].target_port")));
        }
        return out;
    }

    private static GatewayAddress gateway(GatewayAddress gateway, String field) throws InvalidResourceException {
        switch (gateway.getDestinationCase()) {
            case ADDRESS -> ip(gateway.getAddress().getAddress(), field + ".address.address");
            case HOSTNAME -> {
                if (gateway.getHostname().getHostname().isEmpty() || gateway.getHostname().getNamespace().isEmpty()) {
                    throw new InvalidResourceException(field + ".hostname: needs both namespace and hostname");
                }
            }
            case DESTINATION_NOT_SET -> throw new InvalidResourceException(field + ": has neither an address nor a hostname");
        }
        targetPort(gateway.getHboneMtlsPort(), field + ".hbone_mtls_port");
        return gateway;
    }

    private static boolean namespacedHostname(String key) {
        int slash = key.indexOf('/');
        return slash > 0 && slash < key.length() - 1;
    }
}
