package io.ambit.xds.ads;

import java.util.List;

import io.ambit.xds.state.EnvoyResources;
import io.ambit.xds.state.XdsState;
import io.grpc.Status;

/**
 * What any discovery request must satisfy before it changes anything: a served type URL and
 * bounded resource name lists. A request that fails closes its own stream with a status naming
 * the problem; no other client and no state changes.
 */
final class RequestLimits {

    /** Longer than any Kubernetes-derived name (a workload uid or {@code outbound|port||host} is well below). */
    static final int MAX_NAME_LENGTH = 1024;
    /** Names one request may add: ztunnel's on-demand names come a few at a time, grpc-java's one per watch. */
    static final int MAX_NAMES_PER_REQUEST = 10_000;

    private RequestLimits() {
    }

    /** INVALID_ARGUMENT naming the problem, or null when the request may go on. */
    static Status check(String typeUrl, List<String> names, boolean delta) {
        if (typeUrl.isEmpty()) {
            return Status.INVALID_ARGUMENT.withDescription((delta ? "DeltaDiscoveryRequest" : "DiscoveryRequest") + " without type_url");
        }
        boolean envoy = EnvoyResources.TYPES.contains(typeUrl);
        if (!envoy && !XdsState.TYPES.contains(typeUrl)) {
            return Status.INVALID_ARGUMENT.withDescription("type_url " + EnvoyClient.quote(typeUrl) + " is not served; served: "
                    + String.join(", ", XdsState.TYPES) + " (delta) and " + String.join(", ", EnvoyResources.TYPES));
        }
        if (!delta && !envoy) {
            return Status.INVALID_ARGUMENT.withDescription(typeUrl + " is served over delta ADS (DeltaAggregatedResources) only");
        }
        if (names.size() > MAX_NAMES_PER_REQUEST) {
            return Status.INVALID_ARGUMENT.withDescription(names.size() + " resource names in one request; at most "
                    + MAX_NAMES_PER_REQUEST);
        }
        for (String name : names) {
            if (name.length() > MAX_NAME_LENGTH) {
                return Status.INVALID_ARGUMENT.withDescription("a resource name of " + name.length() + " characters; at most "
                        + MAX_NAME_LENGTH);
            }
        }
        return null;
    }
}
