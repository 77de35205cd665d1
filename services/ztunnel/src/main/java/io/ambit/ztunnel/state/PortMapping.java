package io.ambit.ztunnel.state;

/**
 * A service port and the port it reaches on a workload. {@code targetPort} 0 means "not known at
 * this level" (a named target port at the service level; the workload's own mapping resolves it).
 */
public record PortMapping(int servicePort, int targetPort) {
}
