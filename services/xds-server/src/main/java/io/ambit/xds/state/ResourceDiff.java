package io.ambit.xds.state;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What changed between two generations of one type's resources: the resources added or whose
 * version changed, and the names removed. An unchanged resource is not in it, so a pod change
 * costs one workload on the wire, not the world.
 */
public record ResourceDiff(List<XdsResource> changed, List<String> removed) {

    public ResourceDiff {
        changed = List.copyOf(changed);
        removed = List.copyOf(removed);
    }

    public static ResourceDiff between(Map<String, XdsResource> before, Map<String, XdsResource> after) {
        List<XdsResource> changed = new ArrayList<>();
        after.forEach((name, resource) -> {
            XdsResource old = before.get(name);
            if (old == null || !old.version().equals(resource.version())) {
                changed.add(resource);
            }
        });
        List<String> removed = before.keySet().stream().filter(name -> !after.containsKey(name)).sorted().toList();
        return new ResourceDiff(changed, removed);
    }

    public boolean isEmpty() {
        return changed.isEmpty() && removed.isEmpty();
    }
}
