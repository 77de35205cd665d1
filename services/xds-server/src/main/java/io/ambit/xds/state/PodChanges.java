package io.ambit.xds.state;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.ambit.xds.translate.MeshInputs;
import io.fabric8.kubernetes.api.model.Pod;

/**
 * The pods that changed between two inputs, when nothing else did. Both stores hand out the same
 * object instance for an object that did not change, so identity comparison is exact and cheap;
 * and no translated resource other than a pod's own workload depends on a pod, so a pod-only
 * change can be translated pod by pod. That is the common case (pods come and go, configuration
 * rarely changes) and what keeps a push in a 10,000-pod mesh in milliseconds.
 *
 * @param changed pods added or modified
 * @param gone    {@code namespace/name} of pods removed or modified (their old workload goes)
 */
record PodChanges(List<Pod> changed, Set<String> gone) {

    /** Empty when something besides pods changed: then everything is translated again. */
    static Optional<PodChanges> between(MeshInputs before, MeshInputs after) {
        if (!before.trustDomain().equals(after.trustDomain()) || !before.clusterDomain().equals(after.clusterDomain())
                || !before.clusterId().equals(after.clusterId()) || !before.rootNamespace().equals(after.rootNamespace())
                || !sameObjects(before.services(), after.services())
                || !sameObjects(before.endpointSlices(), after.endpointSlices())
                || !sameObjects(before.authorizationPolicies(), after.authorizationPolicies())
                || !sameObjects(before.peerAuthentications(), after.peerAuthentications())
                || !sameObjects(before.workloadEntries(), after.workloadEntries())
                || !sameObjects(before.serviceEntries(), after.serviceEntries())
                || !sameObjects(before.gateways(), after.gateways())
                || !sameNamespaces(before.namespaces(), after.namespaces())) {
            return Optional.empty();
        }
        Map<String, Pod> previous = new HashMap<>(before.pods().size() * 2);
        before.pods().forEach(pod -> previous.put(key(pod), pod));
        List<Pod> changed = new ArrayList<>();
        Set<String> gone = new HashSet<>();
        for (Pod pod : after.pods()) {
            String key = key(pod);
            Pod old = previous.remove(key);
            if (old != pod) {
                changed.add(pod);
                if (old != null) {
                    gone.add(key);
                }
            }
        }
        gone.addAll(previous.keySet());
        return Optional.of(new PodChanges(changed, gone));
    }

    static String key(Pod pod) {
        return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }

    private static boolean sameObjects(List<?> before, List<?> after) {
        if (before.size() != after.size()) {
            return false;
        }
        for (int i = 0; i < before.size(); i++) {
            if (before.get(i) != after.get(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameNamespaces(Map<String, ?> before, Map<String, ?> after) {
        if (before.size() != after.size()) {
            return false;
        }
        for (var entry : before.entrySet()) {
            if (after.get(entry.getKey()) != entry.getValue()) {
                return false;
            }
        }
        return true;
    }
}
