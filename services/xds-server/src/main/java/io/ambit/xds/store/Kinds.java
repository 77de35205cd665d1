package io.ambit.xds.store;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;

/**
 * The kinds the control plane reads, by {@code apiVersion} and {@code kind}. Core kinds bind to
 * fabric8's model; Istio's CRDs (which fabric8 does not model) bind generically for now, so only
 * their top level is checked, until the translation issue gives them models of their own.
 */
final class Kinds {

    record Kind(String apiVersion, String kind, Class<? extends HasMetadata> type, boolean namespaced) {
    }

    private static final Map<String, Kind> BY_API_VERSION_AND_KIND = Map.ofEntries(
            entry("v1", "Namespace", Namespace.class, false),
            entry("v1", "Pod", Pod.class, true),
            entry("v1", "Service", Service.class, true),
            entry("discovery.k8s.io/v1", "EndpointSlice", EndpointSlice.class, true),
            entry("security.istio.io/v1", "AuthorizationPolicy", GenericKubernetesResource.class, true),
            entry("security.istio.io/v1", "PeerAuthentication", GenericKubernetesResource.class, true),
            entry("networking.istio.io/v1", "WorkloadEntry", GenericKubernetesResource.class, true),
            entry("networking.istio.io/v1", "ServiceEntry", GenericKubernetesResource.class, true),
            entry("gateway.networking.k8s.io/v1", "Gateway", GenericKubernetesResource.class, true),
            entry("gateway.networking.k8s.io/v1", "HTTPRoute", GenericKubernetesResource.class, true));

    /** Top-level fields a generically bound object may have. */
    static final Set<String> GENERIC_TOP_LEVEL = Set.of("apiVersion", "kind", "metadata", "spec", "status");

    private Kinds() {
    }

    private static Map.Entry<String, Kind> entry(String apiVersion, String kind, Class<? extends HasMetadata> type, boolean namespaced) {
        return Map.entry(apiVersion + "/" + kind, new Kind(apiVersion, kind, type, namespaced));
    }

    static Optional<Kind> find(String apiVersion, String kind) {
        return Optional.ofNullable(BY_API_VERSION_AND_KIND.get(apiVersion + "/" + kind));
    }

    static String known() {
        return String.join(", ", BY_API_VERSION_AND_KIND.keySet().stream().sorted().toList());
    }
}
