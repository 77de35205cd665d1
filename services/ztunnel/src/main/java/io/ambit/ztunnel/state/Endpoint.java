package io.ambit.ztunnel.state;

import java.util.List;

/** A workload behind a service, with the ports it serves for that service. */
public record Endpoint(Workload workload, List<PortMapping> ports) {

    public Endpoint {
        ports = List.copyOf(ports);
    }
}
