package io.ambit.lab;

import java.util.Map;
import java.util.stream.Collectors;

/**
 * The lab's topology as the Kubernetes objects the control plane would see (Namespaces, Pods with
 * their node and IP, Services with their VIP and selector), in the YAML the xDS server's store API
 * takes: the control plane learns the lab the way it learns a cluster.
 */
public final class KubeObjects {

    private KubeObjects() {
    }

    static String yaml(LabSpec spec) {
        StringBuilder out = new StringBuilder();
        for (LabSpec.NamespaceSpec ns : spec.namespaces()) {
            out.append(namespace(ns));
        }
        for (LabSpec.PodSpec pod : spec.pods()) {
            out.append(pod(pod));
        }
        for (LabSpec.ServiceSpec service : spec.services()) {
            out.append(service(service));
        }
        return out.toString();
    }

    /**
     * A namespace waypoint as a user writes it: Gateway {@code waypoint} (class {@code istio-waypoint},
     * for services, listener {@code mesh} on 15008 HBONE) and the ambient namespace labelled to use it.
     */
    public static String namespaceWaypoint(String namespace) {
        return """
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata:
                  name: waypoint
                  namespace: %1$s
                  labels: {"istio.io/waypoint-for": service}
                spec:
                  gatewayClassName: istio-waypoint
                  listeners:
                    - {name: mesh, port: 15008, protocol: HBONE}
                ---
                apiVersion: v1
                kind: Namespace
                metadata:
                  name: %1$s
                  labels: {"istio.io/dataplane-mode": ambient, "istio.io/use-waypoint": waypoint}
                """.formatted(namespace);
    }

    static String namespace(LabSpec.NamespaceSpec ns) {
        return "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + ns.name() + "\n" + labels(ns.labels(), "  ");
    }

    static String pod(LabSpec.PodSpec pod) {
        return "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: " + pod.name() + "\n  namespace: " + pod.namespace() + "\n"
                + labels(pod.labels(), "  ")
                + "spec:\n  nodeName: " + Lab.nodeName(pod.node()) + "\n  serviceAccountName: " + pod.serviceAccount() + "\n"
                + "  containers:\n    - name: echo\n      image: ambit/echo\n"
                + "status:\n  podIP: " + pod.ip().getHostAddress() + "\n  conditions: [{type: Ready, status: \"True\"}]\n";
    }

    static String service(LabSpec.ServiceSpec service) {
        String ports = service.ports().stream()
                .map(p -> "    - {name: " + p.name() + ", port: " + p.port() + ", targetPort: " + p.targetPort() + "}")
                .collect(Collectors.joining("\n"));
        String selector = service.selector().entrySet().stream()
                .map(e -> "    " + quote(e.getKey()) + ": " + quote(e.getValue())).collect(Collectors.joining("\n"));
        return "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: " + service.name() + "\n  namespace: "
                + service.namespace() + "\nspec:\n  clusterIP: " + service.vip().getHostAddress() + "\n  ports:\n" + ports + "\n"
                + (selector.isEmpty() ? "" : "  selector:\n" + selector + "\n");
    }

    private static String labels(Map<String, String> labels, String indent) {
        if (labels.isEmpty()) {
            return "";
        }
        return indent + "labels:\n" + labels.entrySet().stream()
                .map(e -> indent + "  " + quote(e.getKey()) + ": " + quote(e.getValue()))
                .collect(Collectors.joining("\n")) + "\n";
    }

    private static String quote(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
