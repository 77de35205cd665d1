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

    private Labels() {
    }

    static Map<String, String> of(HasMetadata object) {
        Map<String, String> labels = object == null ? null : object.getMetadata().getLabels();
        return labels == null ? Map.of() : labels;
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
