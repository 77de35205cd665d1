package io.ambit.xds.status;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One status condition as Kubernetes writes them ({@code metav1.Condition}), without the
 * transition time: that belongs to the write, not to the computed state, so two computations of
 * the same state compare equal.
 *
 * @param observedGeneration the object's {@code metadata.generation} the condition was computed
 *                           from; 0 when the object has none (local mode), and then not written
 */
public record Condition(String type, boolean status, String reason, String message, long observedGeneration) {

    /** The fields as they appear in {@code status.conditions[]}. */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("type", type);
        map.put("status", status ? "True" : "False");
        map.put("reason", reason);
        map.put("message", message);
        if (observedGeneration > 0) {
            map.put("observedGeneration", observedGeneration);
        }
        return map;
    }
}
