package io.ambit.xds.translate;

import io.fabric8.kubernetes.api.model.Pod;

/**
 * Whether ztunnel captures a pod: pod label {@code istio.io/dataplane-mode=ambient}, or the same
 * label on its namespace unless the pod says {@code none}; never a hostNetwork pod (it shares the
 * node's network namespace), never a pod that already runs Istio's sidecar.
 */
final class Enrollment {

    static final String SIDECAR_STATUS = "sidecar.istio.io/status";

    private Enrollment() {
    }

    static boolean captured(MeshInputs inputs, Pod pod) {
        if (Boolean.TRUE.equals(pod.getSpec().getHostNetwork())) {
            return false;
        }
        var annotations = pod.getMetadata().getAnnotations();
        if (annotations != null && annotations.containsKey(SIDECAR_STATUS)) {
            return false;
        }
        return captured(inputs, pod.getMetadata().getNamespace(), Labels.of(pod));
    }

    /**
     * The label rule alone, for objects that are not pods (WorkloadEntries, ServiceEntry endpoints):
     * {@code istio.io/dataplane-mode} in {@code labels} decides, else the namespace's.
     */
    static boolean captured(MeshInputs inputs, String namespace, java.util.Map<String, String> labels) {
        String mode = labels.get(Labels.DATAPLANE_MODE);
        if (mode != null) {
            return Labels.AMBIENT.equals(mode);
        }
        return inputs.namespace(namespace)
                .map(ns -> Labels.AMBIENT.equals(Labels.of(ns).get(Labels.DATAPLANE_MODE)))
                .orElse(false);
    }
}
