package io.ambit.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.ambit.testkit.RequiresRoot;

@RequiresRoot("creates network namespaces and setns(2)es into them")
class NetNamespaceRootTest {

    private static PodNetwork network;

    @BeforeAll
    static void createNamespaces() throws Exception {
        network = PodNetwork.create("ns", 1);
    }

    @AfterAll
    static void deleteNamespaces() throws Exception {
        if (network != null) {
            network.close();
        }
    }

    @Test
    void switchEntersAndRestoresTheThreadsNamespace() throws Exception {
        long home = NetNamespace.currentInode();
        try (NamespaceSwitch ignored = NamespaceSwitch.enter(network.pod)) {
            assertThat(NetNamespace.currentInode()).isEqualTo(network.pod.inode()).isNotEqualTo(home);
        }
        assertThat(NetNamespace.currentInode()).isEqualTo(home);
    }

    @Test
    void switchRestoresAfterAnException() throws Exception {
        long home = NetNamespace.currentInode();
        assertThatThrownBy(() -> {
            try (NamespaceSwitch ignored = NamespaceSwitch.enter(network.pod)) {
                throw new IllegalStateException("boom inside the pod");
            }
        }).hasMessage("boom inside the pod");
        assertThat(NetNamespace.currentInode()).isEqualTo(home);
    }

    @Test
    void runDoesTheWorkInsideAndPropagatesItsException() throws Exception {
        long home = NetNamespace.currentInode();
        assertThat(network.pod.run(NetNamespace::currentInode)).isEqualTo(network.pod.inode());
        AtomicLong seen = new AtomicLong();
        assertThatThrownBy(() -> network.pod.run(() -> {
            seen.set(NetNamespace.currentInode());
            throw new java.io.IOException("task failed");
        })).isInstanceOf(java.io.IOException.class).hasMessage("task failed");
        assertThat(seen.get()).isEqualTo(network.pod.inode());
        assertThat(NetNamespace.currentInode()).isEqualTo(home);
    }

    @Test
    void aProcessStartedInsideRunsInTheNamespace() throws Exception {
        // The claim Commands relies on: a child takes the namespace of the thread that spawned it.
        String link = network.pod.run(() -> Commands.run(List.of("readlink", "/proc/self/ns/net"), null)).strip();
        assertThat(link).isEqualTo("net:[" + network.pod.inode() + "]");
        String hostLink = Commands.run(List.of("readlink", "/proc/self/ns/net"), null).strip();
        assertThat(hostLink).isEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString());
    }

    @Test
    void findByAddressFindsTheNamespaceCarryingTheIp() throws Exception {
        Optional<NetNamespace> found = NetNamespaces.findByAddress(network.peerIp);
        assertThat(found).isPresent();
        try (NetNamespace ns = found.get()) {
            assertThat(ns.inode()).isEqualTo(network.peer.inode());
            assertThat(ns.path()).isEqualTo(Path.of("/var/run/netns", network.peerName));
        }
        assertThat(NetNamespaces.findByAddress(java.net.InetAddress.ofLiteral("10.250.1.99"))).isEmpty();
    }

    @Test
    void findByAddressFallsBackToProcesses() throws Exception {
        // A namespace with no name, only a process in it (as some runtimes leave pods): an address
        // on its loopback device, so nothing is sent anywhere.
        String address = "10.250.2.1";
        Process holder = new ProcessBuilder("unshare", "--net", "sh", "-c",
                "ip addr add " + address + "/32 dev lo && ip link set lo up && exec sleep 60").start();
        try {
            Path link = Path.of("/proc", Long.toString(holder.pid()), "ns/net");
            org.awaitility.Awaitility.await().until(() -> {
                try (NetNamespace ns = NetNamespace.open(link)) {
                    return ns.inode() != NetNamespace.currentInode()
                            && ns.run(InterfaceAddresses::ofCurrentNamespace)
                                    .contains(java.net.InetAddress.ofLiteral(address));
                }
            });
            Optional<NetNamespace> found = NetNamespaces.findByAddress(java.net.InetAddress.ofLiteral(address));
            assertThat(found).isPresent();
            try (NetNamespace ns = found.get()) {
                assertThat(ns.inode()).isEqualTo(NetNamespace.inodeOf(link));
                assertThat(ns.path().toString()).startsWith("/proc/");
            }
        } finally {
            holder.destroyForcibly().waitFor();
        }
    }
}
