package io.ambit.ztunnel.state;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.ambit.proto.security.Authorization;
import io.ambit.proto.workload.Address;
import io.ambit.proto.workload.NetworkAddress;
import io.ambit.proto.workload.Port;
import io.ambit.proto.workload.PortList;
import io.ambit.proto.workload.Service;
import io.ambit.proto.workload.TunnelProtocol;
import io.ambit.proto.workload.Workload;
import io.ambit.xdsclient.XdsTypes;
import io.ambit.xdsclient.XdsUpdate;

/** Resources shaped as Ambit's xds-server sends them, and the updates that carry them. */
public final class Fixtures {

    private Fixtures() {
    }

    public static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal); // literals only: never a lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    public static ByteString bytes(String literal) {
        return ByteString.copyFrom(ip(literal).getAddress());
    }

    /** A pod: uid {@code Kubernetes//Pod/<ns>/<name>}, HBONE, one IP, service account = name. */
    public static Workload.Builder pod(String namespace, String name, String node, String ip) {
        return Workload.newBuilder()
                .setUid("Kubernetes//Pod/" + namespace + "/" + name)
                .setName(name).setNamespace(namespace).setNode(node)
                .addAddresses(bytes(ip))
                .setTunnelProtocol(TunnelProtocol.HBONE)
                .setTrustDomain("cluster.local").setServiceAccount(name);
    }

    public static Service.Builder service(String namespace, String name, String vip, int port, int targetPort) {
        return Service.newBuilder()
                .setName(name).setNamespace(namespace).setHostname(name + "." + namespace + ".svc.cluster.local")
                .addAddresses(NetworkAddress.newBuilder().setAddress(bytes(vip)))
                .addPorts(Port.newBuilder().setServicePort(port).setTargetPort(targetPort));
    }

    public static PortList ports(int servicePort, int targetPort) {
        return PortList.newBuilder().addPorts(Port.newBuilder().setServicePort(servicePort).setTargetPort(targetPort)).build();
    }

    public static XdsUpdate.Resource resource(Workload w) {
        return new XdsUpdate.Resource(w.getUid(), "v", Any.pack(Address.newBuilder().setWorkload(w).build()));
    }

    public static XdsUpdate.Resource resource(Service s) {
        return new XdsUpdate.Resource(s.getNamespace() + "/" + s.getHostname(), "v", Any.pack(Address.newBuilder().setService(s).build()));
    }

    public static XdsUpdate.Resource resource(Authorization a) {
        return new XdsUpdate.Resource(a.getNamespace() + "/" + a.getName(), "v", Any.pack(a));
    }

    public static XdsUpdate.Resource named(String name, Message body) {
        return new XdsUpdate.Resource(name, "v", Any.pack(body));
    }

    public static XdsUpdate addresses(XdsUpdate.Resource... resources) {
        return new XdsUpdate(XdsTypes.ADDRESS, Arrays.asList(resources), List.of());
    }

    public static XdsUpdate removeAddresses(String... names) {
        return new XdsUpdate(XdsTypes.ADDRESS, List.of(), Arrays.asList(names));
    }

    public static XdsUpdate authorizations(XdsUpdate.Resource... resources) {
        return new XdsUpdate(XdsTypes.AUTHORIZATION, Arrays.asList(resources), List.of());
    }

    public static XdsUpdate removeAuthorizations(String... names) {
        return new XdsUpdate(XdsTypes.AUTHORIZATION, List.of(), Arrays.asList(names));
    }
}
