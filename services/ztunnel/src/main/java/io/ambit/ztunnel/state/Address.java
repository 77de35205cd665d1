package io.ambit.ztunnel.state;

/** What an {@code istio.workload.Address} resource carries: a workload or a service. */
public sealed interface Address permits Workload, Service {
}
