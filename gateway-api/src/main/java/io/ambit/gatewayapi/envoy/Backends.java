package io.ambit.gatewayapi.envoy;

import io.ambit.gatewayapi.v1.BackendObjectReference;

/** Resolves a route's backend to the Envoy cluster that serves it (the caller knows the mesh). */
@FunctionalInterface
public interface Backends {

    /**
     * @param routeKind      {@code HTTPRoute} or {@code GRPCRoute} (ReferenceGrants name the kind)
     * @param routeNamespace the route's namespace, the default for the backend's
     */
    Resolution resolve(String routeKind, String routeNamespace, BackendObjectReference backend);

    /**
     * The cluster the traffic goes to; when the backend does not resolve, still a name (no such
     * cluster is sent, so Envoy answers 500 as the Gateway API requires), with the reason
     * ({@code BackendNotFound}, {@code RefNotPermitted}, {@code InvalidKind}) and a message.
     */
    record Resolution(String cluster, String reason, String message) {
        public static Resolution of(String cluster) {
            return new Resolution(cluster, null, null);
        }

        public boolean resolved() {
            return reason == null;
        }
    }
}
