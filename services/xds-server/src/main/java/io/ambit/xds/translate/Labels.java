package io.ambit.xds.translate;

import java.util.Map;

import io.fabric8.kubernetes.api.model.HasMetadata;

/** Istio's labels and how ambient reads them. */
final class Labels {

    static final String DATAPLANE_MODE = "istio.io/dataplane-mode";
    static final String AMBIENT = "ambient";
    static final String NONE = "none";
    static final String CANONICAL_NAME = "service.istio.io/canonical-name";
    static final String CANONICAL_REVISION = "service.istio.io/canonical-revision";
    static final String USE_WAYPOINT = "istio.io/use-waypoint";
    static final String USE_WAYPOINT_NAMESPACE = "istio.io/use-waypoint-namespace";
    static final String WAYPOINT_FOR = "istio.io/waypoint-for";
    /** On a waypoint's own pods (set by the Gateway's deployment controller). */
    static final String GATEWAY_NAME = "gateway.networking.k8s.io/gateway-name";
    /** Istio marks the objects it deploys for a waypoint with {@code gateway.istio.io/managed=istio.io-mesh-controller}. */
    static final String GATEWAY_MANAGED = "gateway.istio.io/managed";
    static final String MESH_CONTROLLER = "istio.io-mesh-controller";
    static final String SERVICE_NAME = "kubernetes.io/service-name";

    private Labels() {
    }

    static Map<String, String> of(HasMetadata object) {
        Map<String, String> labels = object == null ? null : object.getMetadata().getLabels();
        return labels == null ? Map.of() : labels;
    }

    /** A non-empty equality selector matches when every entry is in {@code labels}. */
    static boolean matches(Map<String, String> selector, Map<String, String> labels) {
        return selector != null && !selector.isEmpty()
                && selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    /** First present label among {@code keys}, else {@code fallback}. */
    static String first(Map<String, String> labels, String fallback, String... keys) {
        for (String key : keys) {
            String value = labels.get(key);
            if (value != null && !value.isEmpty()) {
                return value;
            }
        }
        return fallback;
    }
}
