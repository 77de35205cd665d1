package io.ambit.service;

import java.util.regex.Pattern;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings every Ambit service shares ({@code ambit.mesh.*}), bound once here so that no service
 * keeps its own copy.
 *
 * @param clusterId the cluster's id, Istio's {@code CLUSTER_ID} (the environment variable of that name
 *                  sets it, as it does for istiod and ztunnel; default {@code Kubernetes}, Istio's):
 *                  workload uids and {@code cluster_id} in xDS, the {@code CLUSTER_ID} a node agent
 *                  sends and the xds-server checks, {@code source_cluster}/{@code destination_cluster}
 *                  in the waypoint's metrics
 */
@ConfigurationProperties("ambit.mesh")
public record MeshProperties(@DefaultValue(MeshProperties.DEFAULT_CLUSTER_ID) String clusterId) {

    /** Istio's default {@code CLUSTER_ID}. */
    public static final String DEFAULT_CLUSTER_ID = "Kubernetes";

    /** A name, as Kubernetes and Istio write cluster names: it becomes part of uids ({@code <cluster>//Pod/<ns>/<name>}). */
    private static final Pattern CLUSTER_ID = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");

    public MeshProperties {
        if (clusterId == null || !CLUSTER_ID.matcher(clusterId).matches()) {
            throw new IllegalArgumentException("ambit.mesh.cluster-id (CLUSTER_ID) must be 1 to 63 letters, digits, '-', '_' or '.',"
                    + " starting and ending with a letter or digit; got " + (clusterId == null ? "nothing" : "'" + clusterId + "'"));
        }
    }

    public static MeshProperties defaults() {
        return new MeshProperties(DEFAULT_CLUSTER_ID);
    }
}
