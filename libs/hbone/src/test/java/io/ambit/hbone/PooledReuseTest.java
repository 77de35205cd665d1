package io.ambit.hbone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.ambit.testkit.TestCa;
import io.ambit.testkit.TestCaExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 12: a new tunnel on a pooled connection whose earlier tunnels all ended, after the
 * connection sat idle, must open at once (in the lab one waited 56 s for unrelated traffic on the
 * connection). The shape of the lab's run: short client-first tunnels that end, a pause, then a
 * tunnel to a server-first upstream (a gRPC server sends its SETTINGS on accept), opened from
 * whichever event loop accepted the client.
 */
@ExtendWith(TestCaExtension.class)
class PooledReuseTest {

    private static final byte[] GREETING = "hello from upstream\n".getBytes(StandardCharsets.US_ASCII);

    private TestBed bed;
    private HboneServer server;
    private HbonePool pool;

    @BeforeEach
    void start(TestCa ca) {
        bed = new TestBed(ca);
        server = bed.server(b -> { });
        pool = bed.pool(100_000, Duration.ofMinutes(5));
    }

    @AfterEach
    void stop() {
        bed.close();
    }

    @Test
    void aNewTunnelOnAnIdlePooledConnectionOpensAtOnce() throws Exception {
        InetSocketAddress echo = bed.forwarder(pool, server, bed.echoUpstream(), Duration.ZERO);
        InetSocketAddress greeter = bed.forwarder(pool, server, bed.upstream(PooledReuseTest::greetThenEcho), Duration.ZERO);
        // A busy sibling on another pooled connection of the same loops (the lab's 90 % to backend-1).
        HboneServer busyServer = bed.server(b -> { });
        InetSocketAddress busy = bed.forwarder(bed.pool(100_000, Duration.ofMinutes(5)), busyServer, bed.echoUpstream(), Duration.ZERO);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.CompletableFuture<String> chatter = bed.async(() -> {
            try (Socket s = bed.dial(busy)) {
                byte[] ping = new byte[200];
                byte[] pong = new byte[200];
                DataInputStream in = new DataInputStream(s.getInputStream());
                while (!stop.get()) {
                    s.getOutputStream().write(ping);
                    in.readFully(pong);
                }
            }
            return "ok";
        });
        for (int round = 0; round < 20; round++) {
            if (round % 5 == 4) {
                long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                org.awaitility.Awaitility.await().pollDelay(Duration.ofSeconds(3)).until(() -> System.nanoTime() >= until);
            }
            for (int i = 0; i < 6; i++) {
                try (Socket s = bed.dial(echo)) {
                    s.setSoTimeout(5_000);
                    s.getOutputStream().write(("GET / " + i + "\n").getBytes(StandardCharsets.US_ASCII));
                    s.shutdownOutput();
                    s.getInputStream().readAllBytes();
                }
            }
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> bed.clientStats.activeRelays() == 1 && bed.serverStats.activeRelays() == 1); // the chatter only
            for (int i = 0; i < 4; i++) {
                try (Socket s = bed.dial(greeter)) {
                    // Generous bound for "does not hang": in the lab it hung for most of a minute.
                    s.setSoTimeout(5_000);
                    s.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    byte[] greeting = new byte[GREETING.length];
                    new DataInputStream(s.getInputStream()).readFully(greeting);
                    assertThat(greeting).as("round %d tunnel %d", round, i).isEqualTo(GREETING);
                }
            }
        }
        stop.set(true);
        assertThat(chatter.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("ok");
        assertThat(pool.connectionsOpened()).isEqualTo(1);
    }

    private static void greetThenEcho(Socket socket) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(GREETING);
        out.flush();
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[16 * 1024];
        for (int n; (n = in.read(buffer)) >= 0;) {
            out.write(buffer, 0, n);
        }
    }
}
