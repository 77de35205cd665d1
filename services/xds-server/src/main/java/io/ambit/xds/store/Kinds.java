package io.ambit.xds.store;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.ambit.gatewayapi.istio.AuthorizationPolicySpec;
import io.ambit.gatewayapi.istio.DestinationRuleSpec;
import io.ambit.gatewayapi.istio.PeerAuthenticationSpec;
import io.ambit.gatewayapi.istio.ServiceEntrySpec;
import io.ambit.gatewayapi.istio.VirtualServiceSpec;
import io.ambit.gatewayapi.istio.WorkloadEntrySpec;
import io.ambit.gatewayapi.v1.GRPCRouteSpec;
import io.ambit.gatewayapi.v1.GatewayClassSpec;
import io.ambit.gatewayapi.v1.GatewaySpec;
import io.ambit.gatewayapi.v1.HTTPRouteSpec;
import io.ambit.gatewayapi.v1.ReferenceGrantSpec;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;

/**
 * The kinds the control plane reads, by {@code apiVersion} and {@code kind}. Core kinds bind to
 * fabric8's model. Istio's CRDs (which fabric8 does not model) bind generically; their
 * {@code spec} is also bound to a strict model (gateway-api's {@code istio} and {@code v1}
 * packages; the Istio ones are also the schema of the CRDs in {@code k8s/base/crds}).
 */
final class Kinds {

    /**
     * @param specType for generically bound kinds with a strict model of their {@code spec}, or null
     */
    record Kind(String apiVersion, String kind, Class<? extends HasMetadata> type, boolean namespaced, Class<?> specType) {
    }

    private static final Map<String, Kind> BY_API_VERSION_AND_KIND = Map.ofEntries(
            entry("v1", "Namespace", Namespace.class, false),
            entry("v1", "Pod", Pod.class, true),
            entry("v1", "Service", Service.class, true),
            entry("discovery.k8s.io/v1", "EndpointSlice", EndpointSlice.class, true),
            entry("security.istio.io/v1", "AuthorizationPolicy", GenericKubernetesResource.class, true, AuthorizationPolicySpec.class),
            entry("security.istio.io/v1", "PeerAuthentication", GenericKubernetesResource.class, true, PeerAuthenticationSpec.class),
            entry("networking.istio.io/v1", "WorkloadEntry", GenericKubernetesResource.class, true, WorkloadEntrySpec.class),
            entry("networking.istio.io/v1", "ServiceEntry", GenericKubernetesResource.class, true, ServiceEntrySpec.class),
            entry("networking.istio.io/v1", "VirtualService", GenericKubernetesResource.class, true, VirtualServiceSpec.class),
            entry("networking.istio.io/v1", "DestinationRule", GenericKubernetesResource.class, true, DestinationRuleSpec.class),
            // Gateway API: v1, and v1beta1 where upstream still serves the same schema under it.
            entry("gateway.networking.k8s.io/v1", "GatewayClass", GenericKubernetesResource.class, false, GatewayClassSpec.class),
            entry("gateway.networking.k8s.io/v1beta1", "GatewayClass", GenericKubernetesResource.class, false, GatewayClassSpec.class),
            entry("gateway.networking.k8s.io/v1", "Gateway", GenericKubernetesResource.class, true, GatewaySpec.class),
            entry("gateway.networking.k8s.io/v1beta1", "Gateway", GenericKubernetesResource.class, true, GatewaySpec.class),
            entry("gateway.networking.k8s.io/v1", "HTTPRoute", GenericKubernetesResource.class, true, HTTPRouteSpec.class),
            entry("gateway.networking.k8s.io/v1beta1", "HTTPRoute", GenericKubernetesResource.class, true, HTTPRouteSpec.class),
            entry("gateway.networking.k8s.io/v1", "GRPCRoute", GenericKubernetesResource.class, true, GRPCRouteSpec.class),
            entry("gateway.networking.k8s.io/v1", "ReferenceGrant", GenericKubernetesResource.class, true, ReferenceGrantSpec.class),
            entry("gateway.networking.k8s.io/v1beta1", "ReferenceGrant", GenericKubernetesResource.class, true, ReferenceGrantSpec.class));

    /** Top-level fields a generically bound object may have. */
    static final Set<String> GENERIC_TOP_LEVEL = Set.of("apiVersion", "kind", "metadata", "spec", "status");

    private Kinds() {
    }

    private static Map.Entry<String, Kind> entry(String apiVersion, String kind, Class<? extends HasMetadata> type, boolean namespaced) {
        return entry(apiVersion, kind, type, namespaced, null);
    }

    private static Map.Entry<String, Kind> entry(String apiVersion, String kind, Class<? extends HasMetadata> type,
            boolean namespaced, Class<?> specType) {
        return Map.entry(apiVersion + "/" + kind, new Kind(apiVersion, kind, type, namespaced, specType));
    }

    static Optional<Kind> find(String apiVersion, String kind) {
        return Optional.ofNullable(BY_API_VERSION_AND_KIND.get(apiVersion + "/" + kind));
    }

    static String known() {
        return String.join(", ", BY_API_VERSION_AND_KIND.keySet().stream().sorted().toList());
    }
}
