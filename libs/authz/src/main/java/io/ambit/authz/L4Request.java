package io.ambit.authz;

import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * What L4 authorization knows of a connection arriving at a workload.
 *
 * @param sourceIdentity the peer's SPIFFE ID ({@code spiffe://td/ns/<ns>/sa/<sa>}) from its verified
 *                       certificate; empty for plaintext
 */
public record L4Request(Optional<String> sourceIdentity, InetAddress sourceIp, InetAddress destinationIp, int destinationPort) {

    public L4Request {
        Objects.requireNonNull(sourceIdentity, "sourceIdentity");
        Objects.requireNonNull(sourceIp, "sourceIp");
        Objects.requireNonNull(destinationIp, "destinationIp");
    }
}
