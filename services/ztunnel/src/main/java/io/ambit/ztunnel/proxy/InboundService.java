package io.ambit.ztunnel.proxy;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.ambit.ztunnel.state.PortMapping;
import io.ambit.ztunnel.state.StateSnapshot;
import io.ambit.ztunnel.state.Workload;
import io.ambit.ztunnel.telemetry.ServiceDescription;

/**
 * Which service an inbound connection was for, as Istio's ztunnel guesses it
 * ({@code guess_inbound_service} in its {@code proxy.rs}): the service the client named (the
 * {@code host=} of the HBONE {@code forwarded} header), if the destination pod backs it; else the
 * first service the pod backs whose target port is the connection's port. Only services the pod
 * backs are candidates, so a client cannot make the destination report a service of its choosing.
 */
final class InboundService {

    static Optional<ServiceDescription> guess(StateSnapshot snapshot, Workload pod, int targetPort) {
        return guess(snapshot, pod, targetPort, Optional.empty());
    }

    /** @param forwarded the HBONE {@code forwarded} header ({@code for="ip:port";host=<service hostname>}) */
    static Optional<ServiceDescription> guess(StateSnapshot snapshot, Workload pod, int targetPort, Optional<String> forwarded) {
        List<Map.Entry<String, List<PortMapping>>> backed = pod.services().entrySet().stream()
                .sorted(Map.Entry.comparingByKey()).toList();
        Optional<String> named = forwarded.flatMap(InboundService::host);
        if (named.isPresent()) {
            Optional<ServiceDescription> found = backed.stream()
                    .flatMap(e -> snapshot.service(e.getKey()).stream())
                    .filter(s -> s.hostname().equals(named.get()))
                    .map(ServiceDescription::of)
                    .findFirst();
            if (found.isPresent()) {
                return found;
            }
        }
        return backed.stream()
                .filter(e -> e.getValue().stream().anyMatch(p -> target(p) == targetPort))
                .flatMap(e -> snapshot.service(e.getKey()).stream())
                .min(Comparator.comparing(io.ambit.ztunnel.state.Service::key))
                .map(ServiceDescription::of);
    }

    /** A target port of 0 means "the service port", as in Istio's workload API. */
    private static int target(PortMapping mapping) {
        return mapping.targetPort() == 0 ? mapping.servicePort() : mapping.targetPort();
    }

    /** The {@code host} parameter of a {@code forwarded} header element, unquoted. */
    static Optional<String> host(String forwarded) {
        for (String element : forwarded.split(",")) {
            for (String pair : element.split(";")) {
                String p = pair.strip();
                if (p.regionMatches(true, 0, "host=", 0, 5)) {
                    String value = p.substring(5);
                    if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                        value = value.substring(1, value.length() - 1);
                    }
                    return value.isEmpty() ? Optional.empty() : Optional.of(value);
                }
            }
        }
        return Optional.empty();
    }

    private InboundService() {
    }
}
