package io.ambit.netns.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.ambit.netns.CommandException;
import io.ambit.netns.NetNamespace;
import io.ambit.testkit.RequiresRoot;

@RequiresRoot("creates network namespaces")
class TopologyRootTest {

    private static final String PREFIX = "ambt-kit-";

    @Test
    void podsOnTwoNodesReachEachOtherThroughTheRouterAndNothingIsLeftBehind() throws Exception {
        try (Topology topology = Topology.create(PREFIX, "10.251", 2)) {
            String a = topology.addPod("a", 1, topology.podAddress(1, 10));
            String b = topology.addPod("b", 2, topology.podAddress(2, 10));

            String before = Topology.exec(topology.router(), "cat", "/sys/class/net/" + topology.interNodeLink(2) + "/statistics/tx_packets");
            assertThat(greeting(a, b, topology.podAddress(2, 10))).isEqualTo("hello from b");
            String after = Topology.exec(topology.router(), "cat", "/sys/class/net/" + topology.interNodeLink(2) + "/statistics/tx_packets");
            assertThat(Long.parseLong(after.strip())).as("the router forwarded it to node 2").isGreaterThan(Long.parseLong(before.strip()));
            assertThat(Topology.existing(PREFIX)).containsExactlyInAnyOrder(
                    PREFIX + "router", PREFIX + "node1", PREFIX + "node2", PREFIX + "a", PREFIX + "b");

            topology.removePod("b");
            assertThat(Topology.existing(PREFIX)).doesNotContain(PREFIX + "b");
        }
        assertThat(Topology.existing(PREFIX)).isEmpty();
    }

    @Test
    void aPodAddedByAnotherProcessJoinsTheSameNodeAndDownRemovesAll() throws Exception {
        TopologyMain.run(List.of("up", PREFIX, "10.251", "1", "a:1:10.251.1.10"));
        try {
            TopologyMain.run(List.of("add-pod", PREFIX, "10.251", "1", "b:1:10.251.1.11"));
            assertThat(greeting(PREFIX + "a", PREFIX + "b", InetAddress.ofLiteral("10.251.1.11"))).isEqualTo("hello from b");
            assertThatThrownBy(() -> TopologyMain.run(List.of("add-pod", PREFIX, "10.251", "1", "c:1:10.251.1.11")))
                    .as("the address is taken: its veth name too").isInstanceOf(CommandException.class);
        } finally {
            TopologyMain.run(List.of("down", PREFIX));
        }
        assertThat(Topology.existing(PREFIX)).isEmpty();
    }

    /** A listener in {@code serverNs} at {@code address}, called from {@code clientNs}: what it said. */
    private static String greeting(String clientNs, String serverNs, InetAddress address) throws Exception {
        try (NetNamespace server = NetNamespace.named(serverNs); NetNamespace client = NetNamespace.named(clientNs);
                ServerSocket listener = server.run(() -> new ServerSocket(7070, 1, address))) {
            Thread.ofVirtual().start(() -> {
                try (Socket accepted = listener.accept()) {
                    accepted.getOutputStream().write("hello from b".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    // the client's read fails and says so
                }
            });
            try (Socket socket = client.run(() -> {
                Socket s = new Socket();
                s.connect(new InetSocketAddress(address, 7070), 5_000);
                return s;
            })) {
                socket.setSoTimeout(5_000);
                return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            }
        }
    }

    @Test
    void leftoversOfACrashedRunAreRemovedFirstWithWhatRunsInside() throws Exception {
        Topology crashed = Topology.create(PREFIX, "10.251", 1);
        String pod = crashed.addPod("a", 1, crashed.podAddress(1, 10));
        Process sleeper = new ProcessBuilder("ip", "netns", "exec", pod, "sleep", "600").start();
        // no close(): a new topology of the same prefix must clean up after it
        try (Topology topology = Topology.create(PREFIX, "10.251", 1)) {
            assertThat(sleeper.onExit()).succeedsWithin(java.time.Duration.ofSeconds(10));
            assertThat(Topology.existing(PREFIX)).containsExactlyInAnyOrder(PREFIX + "router", PREFIX + "node1");
        }
    }

    @Test
    void aPodOutsideItsNodesSubnetIsRefusedAndChangesNothing() throws Exception {
        try (Topology topology = Topology.create(PREFIX, "10.251", 2)) {
            assertThatThrownBy(() -> topology.addPod("a", 1, InetAddress.ofLiteral("10.251.2.10")))
                    .hasMessageContaining("not in node 1's subnet");
            assertThatThrownBy(() -> topology.addPod("a", 3, InetAddress.ofLiteral("10.251.3.10")))
                    .hasMessageContaining("no node 3");
            assertThat(Topology.existing(PREFIX)).hasSize(3);
        }
    }
}
