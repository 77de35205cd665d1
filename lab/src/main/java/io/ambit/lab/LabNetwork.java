package io.ambit.lab;

import java.io.IOException;
import java.util.List;

import io.ambit.netns.topology.Topology;

/**
 * The lab's network, built by the topology kit ({@link Topology}, which draws it): the spec's
 * nodes and pods in namespaces named {@value #PREFIX}…, pods in {@code 10.244.<node>.0/24}
 * (DESIGN §5). Waypoint pods are added to it later by {@link WaypointDeployer}.
 */
public final class LabNetwork {

    public static final String PREFIX = "ambt-lab-";
    public static final String POD_NETWORK = "10.244";
    /** The router namespace: the inter-node links ({@link #interNodeLink}) live there. */
    public static final String ROUTER = PREFIX + "router";

    private LabNetwork() {
    }

    /** Removes what an earlier lab left (by prefix), then builds this one with the spec's pods. */
    public static Topology create(LabSpec spec) throws IOException {
        Topology network = Topology.create(PREFIX, POD_NETWORK, spec.nodes());
        try {
            for (LabSpec.PodSpec pod : spec.pods()) {
                network.addPod(pod.name(), pod.node(), pod.ip());
            }
        } catch (IOException | RuntimeException e) {
            network.close();
            throw e;
        }
        return network;
    }

    /** The router's end of node {@code node}'s uplink: where a capture sees traffic between nodes. */
    public static String interNodeLink(int node) {
        return "n" + node;
    }

    /** The lab namespaces that exist now (this run's or a crashed one's). */
    public static List<String> existing() throws IOException {
        return Topology.existing(PREFIX);
    }

    /** Kills what still runs inside the lab's namespaces, then deletes them. */
    public static void removeStale() throws IOException {
        Topology.removeStale(PREFIX);
    }
}
