/**
 * What ztunnel needs to capture a pod's traffic from inside the pod's network namespace
 * (Istio's in-pod mode). Starting points: {@link io.ambit.netns.NetNamespace} (a handle, and
 * {@code run} to do work inside, on a few long-lived workers: {@code NamespaceWorkers}), {@link io.ambit.netns.NetNamespaces#findByAddress} (which
 * namespace is this pod's), {@link io.ambit.netns.InPodServerChannelFactory} /
 * {@link io.ambit.netns.InPodSocketChannelFactory} (Netty sockets made in the namespace),
 * {@link io.ambit.netns.OriginalDestination} and {@link io.ambit.netns.RedirectRules}.
 * System calls go through {@link io.ambit.netns.LinuxSyscalls} (FFM, no JNI).
 */
package io.ambit.netns;
