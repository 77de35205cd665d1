package io.ambit.ztunnel.agent;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who this ztunnel says it is on the xDS stream ({@code ambit.ztunnel.pod.*}), in Istio's form so
 * that istiod would accept it too: id {@code ztunnel~<ip>~<pod>.<ns>~<ns>.svc.cluster.local} and
 * metadata {@code NAME}, {@code NAMESPACE}, {@code INSTANCE_IPS}, {@code NODE_NAME},
 * {@code CLUSTER_ID} (istio/ztunnel {@code src/xds/client.rs} {@code node()}; {@code CLUSTER_ID}
 * is the mesh's, {@code ambit.mesh.cluster-id}, which Istio's {@code CLUSTER_ID} variable sets). In Kubernetes the values come from
 * the downward API; in local mode the defaults name a pod that does not exist, which is fine: the
 * xds-server serves every node agent the same view and reads only {@code CLUSTER_ID}.
 *
 * @param name      the ztunnel pod's name (downward API {@code metadata.name}); default {@code ztunnel-<node>}
 * @param namespace the ztunnel pod's namespace; default the mesh namespace
 * @param ip        the ztunnel pod's IP (downward API {@code status.podIP}); Istio's default when unknown
 */
@ConfigurationProperties("ambit.ztunnel.pod")
public record XdsNode(String name, String namespace, @DefaultValue("1.1.1.1") String ip) {

    /**
     * The node as sent, for {@code node} (the Kubernetes node name) and {@code meshNamespace} when unset here.
     *
     * @param clusterId the cluster this node belongs to ({@code ambit.mesh.cluster-id}, Istio's {@code CLUSTER_ID})
     */
    public Node toNode(String node, String meshNamespace, String clusterId) {
        String pod = name == null || name.isBlank() ? "ztunnel-" + node : name;
        String ns = namespace == null || namespace.isBlank() ? meshNamespace : namespace;
        Struct metadata = Struct.newBuilder()
                .putFields("NAME", text(pod))
                .putFields("NAMESPACE", text(ns))
                .putFields("INSTANCE_IPS", text(ip))
                .putFields("NODE_NAME", text(node))
                .putFields("CLUSTER_ID", text(clusterId))
                .build();
        return Node.newBuilder().setId("ztunnel~" + ip + "~" + pod + "." + ns + "~" + ns + ".svc.cluster.local")
                .setMetadata(metadata).build();
    }

    /** Defaults only (tests, and the node agent built without Spring). */
    public static XdsNode defaults() {
        return new XdsNode(null, null, "1.1.1.1");
    }

    private static Value text(String value) {
        return Value.newBuilder().setStringValue(value).build();
    }
}
