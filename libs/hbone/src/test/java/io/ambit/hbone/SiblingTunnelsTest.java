package io.ambit.hbone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.ambit.testkit.TestCa;
import io.ambit.testkit.TestCaExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The shape of {@code iperf3 -P 8} through two ztunnels (issue 12): a long-lived, nearly idle
 * tunnel (iperf3's control connection) shares one pooled HBONE connection with bulk tunnels that
 * end, in random order, with a FIN, a reset or an abrupt close from either end. The long-lived
 * tunnel must lose no byte and stay open, and the bulk tunnels that end cleanly must deliver every
 * byte. Many rounds in one run; the seed is random and printed on failure (rerun one with
 * {@code -Dambit.test.seed=N}).
 */
@ExtendWith(TestCaExtension.class)
class SiblingTunnelsTest {

    private static final int ROUNDS = 25;
    private static final int BULK_TUNNELS = 16;
    private static final int CHUNK = 64 * 1024;
    /** Writers that go on until their peer resets them stop here at the latest. */
    private static final long WRITE_UNTIL_BROKEN_LIMIT = 256L * HboneSettings.MIB;

    /** How one bulk tunnel ends; the first byte the client sends tells the upstream its part. */
    enum Ending {
        /** Client sends, then FIN; the upstream answers with what it received (count and hash), then FIN. */
        CLIENT_FIN,
        /** Client sends, then resets (SO_LINGER 0). */
        CLIENT_RESET,
        /** The upstream sends too; the client closes without reading it, which Linux turns into a reset. */
        CLIENT_CLOSES_UNREAD,
        /** The upstream reads some, then resets while the client is still sending. */
        UPSTREAM_RESET,
        /** The upstream reads some, then closes while the client is still sending (a reset follows). */
        UPSTREAM_CLOSES_UNREAD,
        /** The upstream reads what was announced, then FIN; the client reads to EOF, then FIN. */
        UPSTREAM_FIN
    }

    private TestBed bed;
    private HboneServer server;
    private HbonePool pool;

    @BeforeEach
    void start(TestCa ca) {
        bed = new TestBed(ca);
        server = bed.server(b -> { });
        // Far more streams than the test opens: every tunnel rides the same connection.
        pool = bed.pool(100_000, Duration.ofMinutes(5));
    }

    @AfterEach
    void stop() {
        bed.close();
    }

    @Test
    void bulkTunnelsEndingAnyWayNeverHurtTheLongLivedOne() throws Exception {
        long seed = Long.getLong("ambit.test.seed", System.nanoTime());
        try {
            run(new Random(seed));
        } catch (Throwable failure) {
            throw new AssertionError("sibling-tunnel run failed with seed " + seed
                    + " (rerun: -Dambit.test.seed=" + seed + "): " + failure, failure);
        }
    }

    private void run(Random random) throws Exception {
        InetSocketAddress controlEntry = bed.forwarder(pool, server, bed.echoUpstream(), Duration.ZERO);
        InetSocketAddress bulkEntry = bed.forwarder(pool, server, bed.upstream(SiblingTunnelsTest::bulkUpstream), Duration.ZERO);
        Control control = new Control(bed.dial(controlEntry), random);
        control.exchange();

        for (int round = 0; round < ROUNDS; round++) {
            List<CompletableFuture<String>> bulk = new ArrayList<>();
            for (int i = 0; i < BULK_TUNNELS; i++) {
                Ending ending = Ending.values()[random.nextInt(Ending.values().length)];
                long amount = 16 * 1024 + (long) random.nextInt(HboneSettings.MIB);
                long dataSeed = random.nextLong();
                bulk.add(bed.async(() -> bulkClient(bulkEntry, ending, amount, dataSeed)));
            }
            CompletableFuture<Void> all = CompletableFuture.allOf(bulk.toArray(CompletableFuture[]::new));
            // The control tunnel talks now and then while its siblings run and end (iperf3 sends
            // its state changes), and right after they ended (iperf3's results exchange).
            while (!all.isDone()) {
                control.exchange();
                try {
                    all.get(20, TimeUnit.MILLISECONDS);
                } catch (TimeoutException stillRunning) {
                    // talk again
                }
            }
            for (CompletableFuture<String> tunnel : bulk) {
                assertThat(tunnel.get()).as("round %d", round).isEqualTo("ok");
            }
            for (int i = 0; i < 3; i++) {
                control.exchange();
            }
            int roundNumber = round;
            await("round " + round + ": the bulk relays end, the control relay stays").atMost(Duration.ofSeconds(30))
                    .until(() -> bed.clientStats.activeRelays() == 1 && bed.serverStats.activeRelays() == 1);
            assertThat(control.socket.isClosed()).as("control after round %d", roundNumber).isFalse();
        }

        control.finish();
        assertThat(pool.connectionsOpened()).as("every tunnel rode the one pooled connection, which never broke")
                .isEqualTo(1);
    }

    /**
     * The long-lived tunnel: small messages to an echo, each answer checked at once, and a hash
     * of everything both ways checked at the end, after a clean FIN both ways.
     */
    private static final class Control {
        final Socket socket;
        final Random random;
        final MessageDigest sent = sha256();
        final MessageDigest received = sha256();
        long exchanges;

        Control(Socket socket, Random random) {
            this.socket = socket;
            this.random = random;
        }

        void exchange() throws IOException {
            byte[] message = new byte[1 + random.nextInt(2048)];
            random.nextBytes(message);
            socket.getOutputStream().write(message);
            sent.update(message);
            byte[] answer = socket.getInputStream().readNBytes(message.length);
            received.update(answer);
            exchanges++;
            assertThat(answer).as("control exchange %d came back whole", exchanges).hasSize(message.length);
            assertThat(Arrays.equals(answer, message)).as("control exchange %d came back unchanged", exchanges).isTrue();
        }

        void finish() throws IOException {
            socket.shutdownOutput();
            byte[] rest = socket.getInputStream().readAllBytes();
            received.update(rest);
            assertThat(rest).as("nothing after the last echo").isEmpty();
            assertThat(HexFormat.of().formatHex(received.digest())).as("hash of all %d control exchanges", exchanges)
                    .isEqualTo(HexFormat.of().formatHex(sent.digest()));
            socket.close();
        }
    }

    /** One bulk tunnel's client; "ok" when it ended as its {@link Ending} says it should. */
    private String bulkClient(InetSocketAddress entry, Ending ending, long amount, long dataSeed) throws IOException {
        Socket socket = bed.dial(entry);
        try (socket) {
          try {
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeByte(ending.ordinal());
            out.writeLong(amount);
            Random data = new Random(dataSeed);
            switch (ending) {
                case CLIENT_FIN -> {
                    byte[] hash = send(out, data, amount);
                    socket.shutdownOutput();
                    DataInputStream in = new DataInputStream(socket.getInputStream());
                    long count = in.readLong();
                    byte[] theirs = in.readNBytes(32);
                    assertThat(count).as("bytes that reached the upstream before the FIN").isEqualTo(amount);
                    assertThat(theirs).as("hash of the bytes before the FIN").isEqualTo(hash);
                    assertThat(in.read()).as("the upstream's FIN").isEqualTo(-1);
                }
                case CLIENT_RESET -> {
                    send(out, data, amount);
                    socket.setSoLinger(true, 0);
                }
                case CLIENT_CLOSES_UNREAD -> {
                    send(out, data, amount);
                    // the upstream's bytes are waiting unread: close() sends a reset
                }
                case UPSTREAM_RESET, UPSTREAM_CLOSES_UNREAD -> writeUntilBroken(out, data);
                case UPSTREAM_FIN -> {
                    send(out, data, amount);
                    assertThat(socket.getInputStream().read()).as("the upstream's FIN").isEqualTo(-1);
                }
            }
          } catch (Throwable t) {
            throw new AssertionError("TUNNEL " + socket.getLocalSocketAddress() + " " + ending + ": " + t, t);
          }
        }
        return "ok";
    }

    /** The upstream side of a bulk tunnel, as its first byte asks. */
    private static void bulkUpstream(Socket socket) throws IOException {
        DataInputStream in = new DataInputStream(socket.getInputStream());
        Ending ending = Ending.values()[in.readByte()];
        long amount = in.readLong();
        byte[] buffer = new byte[CHUNK];
        switch (ending) {
            case CLIENT_FIN -> {
                MessageDigest hash = sha256();
                long count = 0;
                for (int n; (n = in.read(buffer)) >= 0;) {
                    hash.update(buffer, 0, n);
                    count += n;
                }
                DataOutputStream out = new DataOutputStream(socket.getOutputStream());
                out.writeLong(count);
                out.write(hash.digest());
                out.flush();
            }
            case CLIENT_RESET -> drain(in, buffer);
            case CLIENT_CLOSES_UNREAD -> {
                socket.getOutputStream().write(new byte[256 * 1024]);
                drain(in, buffer);
            }
            case UPSTREAM_RESET -> {
                in.readNBytes(Math.toIntExact(amount));
                socket.setSoLinger(true, 0);
            }
            case UPSTREAM_CLOSES_UNREAD -> in.readNBytes(Math.toIntExact(amount));
            case UPSTREAM_FIN -> {
                in.readNBytes(Math.toIntExact(amount));
                socket.shutdownOutput();
                drain(in, buffer);
            }
        }
    }

    private static byte[] send(OutputStream out, Random data, long amount) throws IOException {
        MessageDigest hash = sha256();
        byte[] chunk = new byte[CHUNK];
        for (long left = amount; left > 0;) {
            int n = (int) Math.min(chunk.length, left);
            data.nextBytes(chunk);
            out.write(chunk, 0, n);
            hash.update(chunk, 0, n);
            left -= n;
        }
        out.flush();
        return hash.digest();
    }

    /** Sends until the tunnel breaks (the upstream ended it), as a bulk sender does. */
    private static void writeUntilBroken(OutputStream out, Random data) {
        byte[] chunk = new byte[CHUNK];
        data.nextBytes(chunk);
        try {
            for (long written = 0; written < WRITE_UNTIL_BROKEN_LIMIT; written += chunk.length) {
                out.write(chunk);
            }
        } catch (IOException expected) {
            // reset or broken pipe: the upstream is gone
        }
    }

    private static void drain(InputStream in, byte[] buffer) {
        try {
            while (in.read(buffer) >= 0) {
                // discard
            }
        } catch (IOException expected) {
            // the client reset
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
