package io.ambit.ztunnel.telemetry;

import java.util.Optional;

import io.ambit.proto.workload.Workload;

/**
 * One end of a connection as telemetry names it: the workload when the mesh knows it, and the
 * identity it proved (or would prove) in mutual TLS.
 *
 * @param workload  the workload behind the address, if known
 * @param principal its SPIFFE ID ({@code spiffe://td/ns/x/sa/y}), or empty when none was presented
 */
public record Peer(Optional<Workload> workload, Optional<String> principal) {

    public static final Peer UNKNOWN = new Peer(Optional.empty(), Optional.empty());

    public static Peer of(Workload workload) {
        return new Peer(Optional.of(workload), Optional.of("spiffe://" + workload.getTrustDomain() + "/ns/"
                + workload.getNamespace() + "/sa/" + workload.getServiceAccount()));
    }
}
