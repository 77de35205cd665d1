package io.ambit.ztunnel.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A rolling restart of a node's ztunnel (issue 12): it drains as ztunnel does, so a connection
 * open through it loses no byte: the listeners close, node A hears GOAWAY and opens its next
 * tunnels elsewhere, and the open connection goes on until it ends by itself.
 */
class DrainTest {

    TwoNodes nodes;

    @BeforeEach
    void start() throws IOException {
        // A deadline far beyond the test, so that only the connection's own end can finish the drain.
        nodes = new TwoNodes(Duration.ofHours(1), Duration.ofMinutes(2));
    }

    @AfterEach
    void stop() throws Exception {
        nodes.close();
    }

    @Test
    void aDrainingZtunnelLetsTheOpenConnectionFinish() throws Exception {
        try (Socket socket = Socks5Client.connect(nodes.socks(), nodes.echoDirect())) {
            assertThat(HboneProxyTest.roundTrip(socket, "before the drain")).isEqualTo("before the drain");
            PodProxy draining = nodes.b.proxy;
            InetSocketAddress hbone = draining.hboneAddress();

            CompletableFuture<Void> drained = CompletableFuture.runAsync(draining::close);

            // node B's HBONE listener is closed: nothing new is accepted
            await().atMost(Duration.ofSeconds(10)).until(() -> !canConnect(hbone));
            assertThat(HboneProxyTest.roundTrip(socket, "during the drain")).isEqualTo("during the drain");
            assertThat(drained).as("the open connection holds the drain").isNotDone();
            socket.shutdownOutput();
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
            drained.get(30, TimeUnit.SECONDS);
        }
        nodes.b.proxy = null; // closed above
    }

    /** The source side drains the same way: the client's captured (here SOCKS5) connection finishes. */
    @Test
    void aDrainingSourceZtunnelLetsTheOpenConnectionFinish() throws Exception {
        try (Socket socket = Socks5Client.connect(nodes.socks(), nodes.echoDirect())) {
            assertThat(HboneProxyTest.roundTrip(socket, "before the drain")).isEqualTo("before the drain");
            PodProxy draining = nodes.a.proxy;
            InetSocketAddress socks = nodes.socks();

            CompletableFuture<Void> drained = CompletableFuture.runAsync(draining::close);

            await().atMost(Duration.ofSeconds(10)).until(() -> !canConnect(socks));
            assertThat(HboneProxyTest.roundTrip(socket, "during the drain")).isEqualTo("during the drain");
            assertThat(drained).as("the open connection holds the drain").isNotDone();
            socket.shutdownOutput();
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
            drained.get(30, TimeUnit.SECONDS);
        }
        nodes.a.proxy = null; // closed above
    }

    private static boolean canConnect(InetSocketAddress address) {
        try (Socket probe = new Socket(address.getAddress(), address.getPort())) {
            return true;
        } catch (IOException refused) {
            return false;
        }
    }
}
