package io.ambit.netns;

import java.io.IOException;
import java.net.InetAddress;

import io.ambit.netns.topology.Topology;

/**
 * This module's root tests' fixture on the topology kit: one node with two pods on its bridge, a
 * "pod" at 10.250.1.10 / fd00:250:{subnet}::1 and a "peer" at .20 / ::2 (addresses only these
 * namespaces route), in a topology named {@code ambt-nn<tag>-}.
 */
final class PodNetwork implements AutoCloseable {

    private final Topology topology;
    final String podName;
    final String peerName;
    final InetAddress podIp;
    final InetAddress peerIp;
    final InetAddress podIp6;
    final InetAddress peerIp6;
    final NetNamespace pod;
    final NetNamespace peer;

    private PodNetwork(Topology topology, int subnet) throws IOException {
        this.topology = topology;
        podIp = topology.podAddress(1, 10);
        peerIp = topology.podAddress(1, 20);
        podIp6 = InetAddress.ofLiteral("fd00:250:" + subnet + "::1");
        peerIp6 = InetAddress.ofLiteral("fd00:250:" + subnet + "::2");
        podName = topology.addPod("pod", 1, podIp, podIp6);
        peerName = topology.addPod("peer", 1, peerIp, peerIp6);
        pod = NetNamespace.named(podName);
        peer = NetNamespace.named(peerName);
    }

    /** {@code tag}: at most 4 characters; {@code subnet}: 0–255, one per test class (the IPv6 prefix). */
    static PodNetwork create(String tag, int subnet) throws IOException {
        if (!tag.matches("[a-z0-9]{1,4}")) {
            throw new IllegalArgumentException("tag must be 1–4 of [a-z0-9]: " + tag);
        }
        Topology topology = Topology.create("ambt-nn" + tag + "-", "10.250", 1);
        try {
            return new PodNetwork(topology, subnet);
        } catch (IOException | RuntimeException e) {
            topology.close();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            pod.close();
            peer.close();
        } finally {
            topology.close();
        }
    }
}
