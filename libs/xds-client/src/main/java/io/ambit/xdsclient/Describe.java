package io.ambit.xdsclient;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.stream.Collectors;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.ambit.proto.security.Authorization;
import io.ambit.proto.workload.Address;
import io.ambit.proto.workload.Workload;

/** One line per resource for people reading a terminal: what an Address or Authorization says. */
public final class Describe {

    private Describe() {
    }

    public static String resource(Any body) {
        try {
            if (body.is(Address.class)) {
                Address address = body.unpack(Address.class);
                return address.hasWorkload() ? workload(address.getWorkload()) : service(address.getService());
            }
            if (body.is(Authorization.class)) {
                Authorization policy = body.unpack(Authorization.class);
                return "policy " + policy.getNamespace() + "/" + policy.getName() + " " + policy.getScope() + " "
                        + policy.getAction() + " rules=" + policy.getRulesCount();
            }
        } catch (InvalidProtocolBufferException e) {
            return "undecodable " + body.getTypeUrl() + ": " + e.getMessage();
        }
        return body.getTypeUrl();
    }

    private static String workload(Workload w) {
        return "workload " + w.getNamespace() + "/" + w.getName() + " " + w.getAddressesList().stream().map(Describe::ip)
                .collect(Collectors.joining(",")) + " sa=" + w.getServiceAccount() + " node=" + w.getNode() + " "
                + w.getTunnelProtocol() + " " + w.getStatus() + (w.hasWaypoint() ? " waypoint" : "");
    }

    private static String service(io.ambit.proto.workload.Service s) {
        return "service " + s.getNamespace() + "/" + s.getHostname() + " " + s.getAddressesList().stream()
                .map(a -> ip(a.getAddress())).collect(Collectors.joining(",")) + " ports=" + s.getPortsList().stream()
                .map(p -> p.getServicePort() + "->" + p.getTargetPort()).collect(Collectors.joining(","))
                + (s.hasWaypoint() ? " waypoint" : "");
    }

    static String ip(ByteString bytes) {
        try {
            return InetAddress.getByAddress(bytes.toByteArray()).getHostAddress();
        } catch (UnknownHostException e) {
            return "?" + bytes.size() + "-bytes";
        }
    }
}
