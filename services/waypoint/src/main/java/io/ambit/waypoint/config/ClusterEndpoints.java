package io.ambit.waypoint.config;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * A cluster as the data path needs it: its endpoints ({@code podIP:targetPort}, reached over HBONE
 * at {@code podIP:15008}) and its connect timeout. Empty endpoints mean Envoy's "no healthy upstream".
 */
public record ClusterEndpoints(String name, List<InetSocketAddress> endpoints, Duration connectTimeout) {

    public ClusterEndpoints {
        endpoints = List.copyOf(endpoints);
    }
}
