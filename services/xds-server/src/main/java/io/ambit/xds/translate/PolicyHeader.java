package io.ambit.xds.translate;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import io.ambit.gatewayapi.istio.WorkloadSelector;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;

/** What AuthorizationPolicy and PeerAuthentication share: selector checks and "oldest wins" ordering. */
final class PolicyHeader {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
    private static final Pattern PREFIX = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    /** Istio's precedence among policies of one level: the oldest wins; name breaks a tie (stable across restarts). */
    static final Comparator<GenericKubernetesResource> OLDEST_FIRST = Comparator
            .comparing((GenericKubernetesResource r) -> created(r))
            .thenComparing(r -> r.getMetadata().getNamespace())
            .thenComparing(r -> r.getMetadata().getName());

    private PolicyHeader() {
    }

    static String namespace(GenericKubernetesResource r) {
        return r.getMetadata().getNamespace() == null ? "" : r.getMetadata().getNamespace();
    }

    static Object spec(GenericKubernetesResource r) {
        return r.getAdditionalProperties().get("spec");
    }

    /** The selector's labels; empty map for no selector (or one without labels, which selects every workload). */
    static Map<String, String> labels(WorkloadSelector selector) {
        return selector == null || selector.matchLabels() == null ? Map.of() : selector.matchLabels();
    }

    /** Why a selector can never be a valid Kubernetes label selector, if it cannot. */
    static Optional<String> selectorProblem(WorkloadSelector selector) {
        for (Map.Entry<String, String> label : labels(selector).entrySet()) {
            if (!validKey(label.getKey())) {
                return Optional.of("selector label key \"" + label.getKey() + "\" is not a valid Kubernetes label key");
            }
            String value = label.getValue() == null ? "" : label.getValue();
            if (!value.isEmpty() && !NAME.matcher(value).matches()) {
                return Optional.of("selector label " + label.getKey() + "=\"" + value + "\" is not a valid Kubernetes label value");
            }
        }
        return Optional.empty();
    }

    static boolean selects(Map<String, String> selector, Map<String, String> labels) {
        return selector.entrySet().stream().allMatch(e -> java.util.Objects.equals(labels.get(e.getKey()), e.getValue()));
    }

    private static boolean validKey(String key) {
        if (key == null) {
            return false;
        }
        int slash = key.indexOf('/');
        String name = slash < 0 ? key : key.substring(slash + 1);
        if (slash >= 0) {
            String prefix = key.substring(0, slash);
            if (prefix.isEmpty() || prefix.length() > 253 || !PREFIX.matcher(prefix).matches()) {
                return false;
            }
        }
        return NAME.matcher(name).matches();
    }

    private static Instant created(GenericKubernetesResource r) {
        String timestamp = r.getMetadata().getCreationTimestamp();
        if (timestamp == null) {
            return Instant.MAX;
        }
        try {
            return Instant.parse(timestamp);
        } catch (DateTimeParseException e) {
            return Instant.MAX;
        }
    }
}
