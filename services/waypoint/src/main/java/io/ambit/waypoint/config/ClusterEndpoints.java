package io.ambit.waypoint.config;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

import io.ambit.identity.SpiffeId;

/**
 * A cluster as the data path needs it: its endpoints ({@code podIP:targetPort}, reached over HBONE
 * at {@code podIP:15008}), the identity each endpoint's HBONE server must present, and its connect
 * policy (balancer, outlier detection, limits). Empty endpoints mean Envoy's "no healthy upstream".
 */
public record ClusterEndpoints(String name, List<InetSocketAddress> endpoints, Map<InetSocketAddress, SpiffeId> identities,
                               ClusterPolicy policy) {

    public ClusterEndpoints {
        endpoints = List.copyOf(endpoints);
        identities = Map.copyOf(identities);
        for (InetSocketAddress endpoint : endpoints) {
            if (!identities.containsKey(endpoint)) {
                throw new IllegalArgumentException("cluster " + name + ": endpoint " + endpoint + " has no expected identity");
            }
        }
    }

    /** The identity {@code endpoint} must prove in its HBONE handshake (every endpoint has one: checked on arrival). */
    public SpiffeId identity(InetSocketAddress endpoint) {
        SpiffeId id = identities.get(endpoint);
        if (id == null) {
            throw new IllegalStateException("cluster " + name + ": endpoint " + endpoint + " is not one of its endpoints: bug");
        }
        return id;
    }
}
