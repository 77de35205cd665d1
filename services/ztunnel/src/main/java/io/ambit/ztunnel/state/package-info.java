/**
 * What xDS has told this ztunnel: workloads, services and authorization policies, validated and
 * held as one immutable {@link io.ambit.ztunnel.state.StateSnapshot}. Starting points:
 * {@link io.ambit.ztunnel.state.XdsStateHandler} (the {@code DeltaAdsClient.Handler}, the only
 * writer: applies what is valid, returns the rest to be NACKed), {@link io.ambit.ztunnel.state.StateStore}
 * (current snapshot, listeners) and {@link io.ambit.ztunnel.state.StateSnapshot} (lookups by uid, IP,
 * VIP and port, node; endpoints of a service; policies that apply to a workload).
 * Without an xDS server, {@link io.ambit.ztunnel.state.LocalConfigLoader} makes the state what a
 * YAML file says (through the same handler) and {@link io.ambit.ztunnel.state.LocalConfigWatcher}
 * reloads it on change; {@link io.ambit.ztunnel.state.ProtoJson} is the resources' JSON form (IPs
 * as literals) that file and {@code /config_dump} share.
 */
package io.ambit.ztunnel.state;
