package io.ambit.ztunnel.telemetry;

import java.util.Optional;

import io.ambit.identity.InvalidSpiffeIdException;
import io.ambit.identity.WorkloadIdentity;
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
        Optional<String> principal;
        try {
            principal = Optional.of(new WorkloadIdentity(workload.getTrustDomain(), workload.getNamespace(),
                    workload.getServiceAccount()).toString());
        } catch (InvalidSpiffeIdException incomplete) {
            principal = Optional.empty(); // a label is never worth failing a connection for
        }
        return new Peer(Optional.of(workload), principal);
    }
}
