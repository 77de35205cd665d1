/**
 * Translation results written back as status. Starting points: {@link io.ambit.xds.status.ObjectStatuses}
 * (the pure computation), {@link io.ambit.xds.status.StatusWriter} (Kubernetes mode: the status
 * subresource) and {@link io.ambit.xds.status.StatusView} (local mode: {@code GET /store/status}).
 */
package io.ambit.xds.status;
