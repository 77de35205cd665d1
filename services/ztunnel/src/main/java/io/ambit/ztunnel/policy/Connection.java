package io.ambit.ztunnel.policy;

import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;

import io.ambit.authz.L4Request;
import io.ambit.ztunnel.state.Workload;

/**
 * What L4 authorization knows of a connection arriving at a workload.
 *
 * @param sourceIdentity   the peer's SPIFFE ID ({@code spiffe://td/ns/<ns>/sa/<sa>}) from its verified
 *                         certificate; empty for plaintext
 * @param destination      the workload it is for (its policies apply)
 */
public record Connection(Optional<String> sourceIdentity, InetAddress sourceIp, InetAddress destinationIp, int destinationPort,
                         Workload destination) {

    public Connection {
        Objects.requireNonNull(sourceIdentity, "sourceIdentity");
        Objects.requireNonNull(sourceIp, "sourceIp");
        Objects.requireNonNull(destinationIp, "destinationIp");
        Objects.requireNonNull(destination, "destination");
    }

    /** What the shared evaluator decides on. */
    public L4Request request() {
        return new L4Request(sourceIdentity, sourceIp, destinationIp, destinationPort);
    }

    @Override
    public String toString() {
        return sourceIp.getHostAddress() + "(" + sourceIdentity.orElse("no identity") + ") -> "
                + destinationIp.getHostAddress() + ":" + destinationPort + " (" + destination.uid() + ")";
    }
}
