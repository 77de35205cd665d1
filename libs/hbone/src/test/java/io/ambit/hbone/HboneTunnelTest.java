package io.ambit.hbone;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

import io.ambit.testkit.TestCa;
import io.ambit.testkit.TestCaExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Bytes through a whole tunnel: plain TCP → client relay → HBONE → server relay → upstream. */
@ExtendWith(TestCaExtension.class)
class HboneTunnelTest {

    private TestBed bed;
    private HboneServer server;
    private HbonePool pool;

    @BeforeEach
    void start(TestCa ca) {
        bed = new TestBed(ca);
        server = bed.server(b -> { });
        pool = bed.pool(100, Duration.ofMinutes(5));
    }

    @AfterEach
    void stop() {
        bed.close();
    }

    @Test
    void echoesThroughTheTunnel() throws IOException {
        Socket socket = bed.dial(bed.forwarder(pool, server, bed.echoUpstream(), Duration.ZERO));

        socket.getOutputStream().write("hello through HBONE".getBytes(UTF_8));

        assertThat(new String(socket.getInputStream().readNBytes(19), UTF_8)).isEqualTo("hello through HBONE");
    }

    @Test
    void carries64MiBIntact() throws Exception {
        Socket socket = bed.dial(bed.forwarder(pool, server, bed.echoUpstream(), Duration.ZERO));
        long total = 64L * HboneSettings.MIB;
        CompletableFuture<Long> sent = bed.async(() -> {
            CRC32 crc = new CRC32();
            Random random = new Random(42);
            byte[] chunk = new byte[256 * 1024];
            OutputStream out = socket.getOutputStream();
            for (long written = 0; written < total; written += chunk.length) {
                random.nextBytes(chunk);
                crc.update(chunk);
                out.write(chunk);
            }
            socket.shutdownOutput();
            return crc.getValue();
        });

        CRC32 received = new CRC32();
        long count = 0;
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[256 * 1024];
        for (int n; (n = in.read(buffer)) >= 0;) {
            received.update(buffer, 0, n);
            count += n;
        }

        assertThat(count).isEqualTo(total);
        assertThat(received.getValue()).isEqualTo(sent.get(60, TimeUnit.SECONDS));
    }

    @Test
    void clientHalfCloseStillReceivesTheReply() throws IOException {
        // The upstream answers only after the client's FIN: proves FIN → END_STREAM → shutdownOutput upstream.
        InetSocketAddress upstream = bed.upstream(s -> {
            byte[] request = s.getInputStream().readAllBytes();
            s.getOutputStream().write(("got " + request.length + " bytes").getBytes(UTF_8));
        });
        Socket socket = bed.dial(bed.forwarder(pool, server, upstream, Duration.ZERO));

        socket.getOutputStream().write("twelve bytes".getBytes(UTF_8));
        socket.shutdownOutput();

        assertThat(new String(socket.getInputStream().readAllBytes(), UTF_8)).isEqualTo("got 12 bytes");
    }

    @Test
    void serverHalfCloseReachesTheClientWhileItKeepsSending() throws Exception {
        CompletableFuture<String> heardAfterFin = new CompletableFuture<>();
        InetSocketAddress upstream = bed.upstream(s -> {
            s.getOutputStream().write("banner".getBytes(UTF_8));
            s.shutdownOutput(); // server-first protocol that is done talking
            heardAfterFin.complete(new String(s.getInputStream().readAllBytes(), UTF_8));
        });
        Socket socket = bed.dial(bed.forwarder(pool, server, upstream, Duration.ZERO));

        assertThat(new String(socket.getInputStream().readAllBytes(), UTF_8)).isEqualTo("banner"); // then EOF
        socket.getOutputStream().write("still talking".getBytes(UTF_8));
        socket.shutdownOutput();

        assertThat(heardAfterFin.get(10, TimeUnit.SECONDS)).isEqualTo("still talking");
        await().atMost(Duration.ofSeconds(10)).until(() -> bed.serverStats.activeRelays() == 0
                && bed.clientStats.activeRelays() == 0);
    }

    @Test
    void upstreamResetClosesTheClient() throws IOException {
        InetSocketAddress upstream = bed.upstream(s -> {
            s.getInputStream().read();
            s.setSoLinger(true, 0); // RST instead of FIN
            s.close();
        });
        Socket socket = bed.dial(bed.forwarder(pool, server, upstream, Duration.ZERO));

        socket.getOutputStream().write(1);

        assertThat(readUntilClosed(socket)).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> bed.serverStats.activeRelays() == 0);
    }

    @Test
    void idleTunnelIsClosed(TestCa ca) throws IOException {
        HboneServer idleServer = bed.server(b -> b.settings(HboneSettings.serverDefaults()
                .withIdleTimeout(Duration.ofMillis(300))));
        Socket socket = bed.dial(bed.forwarder(pool, idleServer, bed.echoUpstream(), Duration.ZERO));
        socket.getOutputStream().write("x".getBytes(UTF_8));
        assertThat(socket.getInputStream().read()).isEqualTo('x');

        assertThat(readUntilClosed(socket)).isTrue(); // nothing more sent: the server's relay gives up
    }

    /**
     * A writer pushes far more than every window and buffer together into an upstream that reads
     * nothing. Nothing in the relays may pile up: each holds at most one chunk per direction
     * (the rest waits in TCP and HTTP/2 windows), the writer stalls, and once the upstream reads,
     * every byte arrives intact.
     */
    @Test
    void slowReaderKeepsBuffersBounded() throws Exception {
        CountDownLatch startReading = new CountDownLatch(1);
        CompletableFuture<Long> upstreamCrc = new CompletableFuture<>();
        InetSocketAddress upstream = bed.upstream(s -> {
            try {
                startReading.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            CRC32 crc = new CRC32();
            InputStream in = s.getInputStream();
            byte[] small = new byte[8 * 1024]; // a slow reader: small reads
            for (int n; (n = in.read(small)) >= 0;) {
                crc.update(small, 0, n);
            }
            upstreamCrc.complete(crc.getValue());
        });
        Socket socket = bed.dial(bed.forwarder(pool, server, upstream, Duration.ZERO));
        long total = 128L * HboneSettings.MIB;
        AtomicLong written = new AtomicLong();
        CompletableFuture<Long> sent = bed.async(() -> {
            CRC32 crc = new CRC32();
            byte[] chunk = new byte[64 * 1024];
            new Random(7).nextBytes(chunk);
            OutputStream out = socket.getOutputStream();
            while (written.get() < total) {
                out.write(chunk);
                crc.update(chunk);
                written.addAndGet(chunk.length);
            }
            socket.shutdownOutput();
            return crc.getValue();
        });

        long[] last = {-1};
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            long now = written.get();
            boolean stalled = now == last[0];
            last[0] = now;
            return stalled;
        });
        long stalledAt = written.get();
        long clientPendingWhileStalled = bed.clientStats.maxPendingBytes();
        long serverPendingWhileStalled = bed.serverStats.maxPendingBytes();
        assertThat(sent).isNotDone();
        assertThat(stalledAt).as("bytes accepted while nothing reads").isLessThan(total / 2);
        // Per direction of a relay: up to the write buffer's high water mark, plus the chunk that
        // crossed it (a TCP read, ≤ 64 KiB, or one DATA frame, ≤ 1 MiB).
        long perRelayBound = io.netty.channel.WriteBufferWaterMark.DEFAULT.high() + HboneSettings.MIB + 64 * 1024;
        assertThat(clientPendingWhileStalled).isLessThanOrEqualTo(perRelayBound);
        assertThat(serverPendingWhileStalled).isLessThanOrEqualTo(perRelayBound);

        startReading.countDown();
        assertThat(upstreamCrc.get(120, TimeUnit.SECONDS)).isEqualTo(sent.get(10, TimeUnit.SECONDS));
        System.out.printf("slow reader: writer stalled at %d MiB of %d; max pending in relays while stalled: "
                + "client=%d server=%d bytes; over the whole run (includes the EOF drain): client=%d server=%d%n",
                stalledAt / HboneSettings.MIB, total / HboneSettings.MIB, clientPendingWhileStalled,
                serverPendingWhileStalled, bed.clientStats.maxPendingBytes(), bed.serverStats.maxPendingBytes());
    }

    /** Reads until EOF or reset; true when the connection ended. */
    private static boolean readUntilClosed(Socket socket) {
        try {
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[4096];
            while (in.read(buffer) >= 0) {
                // drain
            }
            return true;
        } catch (IOException e) {
            return !e.getMessage().contains("timed out");
        }
    }

}
