/**
 * The README's proxyless gRPC example as a program: {@link io.ambit.proxyless.ProxylessMain} acts
 * as a mesh pod ({@link io.ambit.proxyless.MeshPod} from the store), writes grpc-xds's bootstrap
 * with the pod's SVID ({@link io.ambit.proxyless.ProxylessBootstrap}), opens the {@code xds:///}
 * channel from inside the pod ({@link io.ambit.proxyless.PodChannels}) and counts who answered
 * ({@link io.ambit.proxyless.SplitCount}).
 */
package io.ambit.proxyless;
