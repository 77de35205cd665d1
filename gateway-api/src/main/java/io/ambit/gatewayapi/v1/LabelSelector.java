package io.ambit.gatewayapi.v1;

import java.util.List;
import java.util.Map;

/** A Kubernetes {@code metav1.LabelSelector}, strict (fabric8's keeps unknown fields instead of refusing them). */
public record LabelSelector(Map<String, String> matchLabels, List<Requirement> matchExpressions) {

    public LabelSelector {
        matchLabels = matchLabels == null ? Map.of() : Map.copyOf(matchLabels);
        matchExpressions = Checks.list(matchExpressions);
    }

    public enum Operator { In, NotIn, Exists, DoesNotExist }

    public record Requirement(String key, Operator operator, List<String> values) {
        public Requirement {
            Checks.required(key, "key");
            Checks.required(operator, "operator");
            values = Checks.list(values);
        }
    }

    public boolean matches(Map<String, String> labels) {
        if (!matchLabels.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())))) {
            return false;
        }
        for (Requirement r : matchExpressions) {
            String value = labels.get(r.key());
            boolean ok = switch (r.operator()) {
                case In -> value != null && r.values().contains(value);
                case NotIn -> value == null || !r.values().contains(value);
                case Exists -> value != null;
                case DoesNotExist -> value == null;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
