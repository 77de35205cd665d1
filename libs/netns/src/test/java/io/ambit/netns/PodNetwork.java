package io.ambit.netns;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Two test-made namespaces joined by a veth pair: a "pod" at 10.250.{subnet}.1 and
 * fd00:250:{subnet}::1, a "peer" at .2 and ::2 (prefixes that only these namespaces route). Names start with {@code ambt-nn-}
 * (this module's share of the lab prefix), and both ends of the veth live in the namespaces, so
 * deleting the namespaces removes everything; nothing is added to the host's namespace.
 */
final class PodNetwork implements AutoCloseable {

    static final String PREFIX = "ambt-nn-";

    final String podName;
    final String peerName;
    final InetAddress podIp;
    final InetAddress peerIp;
    final InetAddress podIp6;
    final InetAddress peerIp6;
    final NetNamespace pod;
    final NetNamespace peer;

    private PodNetwork(String tag, int subnet) throws IOException {
        podName = PREFIX + tag + "-pod";
        peerName = PREFIX + tag + "-peer";
        podIp = InetAddress.ofLiteral("10.250." + subnet + ".1");
        peerIp = InetAddress.ofLiteral("10.250." + subnet + ".2");
        podIp6 = InetAddress.ofLiteral("fd00:250:" + subnet + "::1");
        peerIp6 = InetAddress.ofLiteral("fd00:250:" + subnet + "::2");
        String podLink = PREFIX + tag + "a";
        String peerLink = PREFIX + tag + "b";
        try {
            ip("netns", "add", podName);
            ip("netns", "add", peerName);
            ip("link", "add", podLink, "netns", podName, "type", "veth", "peer", "name", peerLink, "netns", peerName);
            ip("-n", podName, "addr", "add", podIp.getHostAddress() + "/24", "dev", podLink);
            ip("-n", peerName, "addr", "add", peerIp.getHostAddress() + "/24", "dev", peerLink);
            // nodad: usable at once, without waiting for duplicate address detection
            ip("-n", podName, "addr", "add", podIp6.getHostAddress() + "/64", "dev", podLink, "nodad");
            ip("-n", peerName, "addr", "add", peerIp6.getHostAddress() + "/64", "dev", peerLink, "nodad");
            for (String[] end : new String[][] {{podName, podLink}, {peerName, peerLink}}) {
                ip("-n", end[0], "link", "set", "lo", "up");
                ip("-n", end[0], "link", "set", end[1], "up");
            }
            pod = NetNamespace.named(podName);
            peer = NetNamespace.named(peerName);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(podName);
            deleteQuietly(peerName);
            throw e;
        }
    }

    /** {@code tag}: at most 4 characters (interface names have 15); {@code subnet}: 0–255, one per test class. */
    static PodNetwork create(String tag, int subnet) throws IOException {
        if (tag.length() > 4) {
            throw new IllegalArgumentException("tag too long for an interface name: " + tag);
        }
        return new PodNetwork(tag, subnet);
    }

    /** Deletes namespaces and host links left by a crashed earlier run of this module's tests. */
    static void removeStale() throws IOException {
        for (String line : Commands.run(List.of("ip", "netns", "list"), null).lines().toList()) {
            String name = line.split(" ")[0];
            if (name.startsWith(PREFIX)) {
                deleteQuietly(name);
            }
        }
        for (String line : Commands.run(List.of("ip", "-o", "link", "show"), null).lines().toList()) {
            String[] fields = line.split(":\\s+");
            if (fields.length > 1) {
                String link = fields[1].split("@")[0];
                if (link.startsWith(PREFIX)) {
                    Commands.attempt(List.of("ip", "link", "del", link), null);
                }
            }
        }
    }

    static String ip(String... args) throws CommandException {
        List<String> argv = new ArrayList<>(List.of("ip"));
        argv.addAll(List.of(args));
        return Commands.run(argv, null);
    }

    private static void deleteQuietly(String name) {
        try {
            Commands.attempt(List.of("ip", "netns", "del", name), null);
        } catch (CommandException e) {
            // best effort; the next run's removeStale tries again
        }
    }

    @Override
    public void close() throws IOException {
        try {
            pod.close();
            peer.close();
        } finally {
            // Deleting a namespace destroys its veth end, and with it the other end.
            ip("netns", "del", podName);
            ip("netns", "del", peerName);
        }
    }
}
