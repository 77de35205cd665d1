package io.ambit.ztunnel.proxy;

import static io.ambit.ztunnel.proxy.HboneProxyTest.roundTrip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;

/**
 * Ten thousand connections opened and broken every way a client can break them — SOCKS5 tunnels
 * reset or closed mid-flight, SOCKS5 clients that give up before the answer, plain TCP to the
 * HBONE port closed at once, TLS handshakes reset half-way — and afterwards the process holds
 * no more file descriptors than before (counted in /proc/self/fd), node-b tracks no open inbound
 * connection, the echo application has no connection left, Netty's leak detector reports no
 * buffer, no Netty warning was logged (an exception no handler took, a failed event-loop task),
 * and the mesh still serves.
 *
 * <p>The leak detector runs at ADVANCED, set at run time (a {@code -Dio.netty.leakDetection.level}
 * set by a test comes too late for classes already loaded; the level itself is read at each
 * allocation): it samples one buffer in 128, thousands of tracked buffers over this run, so a leak
 * on a path that every connection of a kind takes is reported. PARANOID tracks every buffer but
 * doubled the run time on two shared cores.
 */
class DescriptorLeakTest {

    private static final Path DESCRIPTORS = Path.of("/proc/self/fd");
    private static final int CONNECTIONS = 10_000;
    private static final int CLIENT_THREADS = 32;
    /**
     * Descriptors the JDK or Netty may open once and keep, whatever the traffic: a jar opened by
     * a class loaded late, the virtual-thread poller, an epoll or NIO selector for a thread that
     * started late, /dev/urandom. The warm-up runs every path first so most are open before the
     * baseline; a per-connection leak shows far above this (even one in 500 connections is 20).
     */
    private static final int SLACK = 20;

    TwoNodes nodes;
    ExecutorService clients;
    byte[] clientHello;
    final NettyTrouble trouble = new NettyTrouble();
    ResourceLeakDetector.Level leakLevel;
    Level accessLogLevel;

    /** Ways to break a connection; each run checks only what must hold for it. */
    enum Breakage {
        /** A tunnel that carried bytes, then a reset with more bytes in flight. */
        TUNNEL_RESET {
            @Override
            void run(DescriptorLeakTest test) throws Exception {
                try (Socket socket = Socks5Client.connect(test.nodes.socks(), test.nodes.echoDirect())) {
                    assertThat(roundTrip(socket, "ping")).isEqualTo("ping");
                    socket.getOutputStream().write(new byte[4096]);
                    socket.setSoLinger(true, 0);
                }
            }
        },
        /** A tunnel closed (both directions at once) with its echo unread. */
        TUNNEL_CLOSE {
            @Override
            void run(DescriptorLeakTest test) throws Exception {
                try (Socket socket = Socks5Client.connect(test.nodes.socks(), test.nodes.echoDirect())) {
                    socket.getOutputStream().write(new byte[1024]);
                }
            }
        },
        /** A SOCKS5 client that asks for the echo pod and resets before the answer. */
        SOCKS_GIVE_UP {
            @Override
            void run(DescriptorLeakTest test) throws Exception {
                try (Socket socket = test.connect(test.nodes.socks())) {
                    byte[] ip = test.nodes.echoDirect().getAddress().getAddress();
                    int port = test.nodes.echoDirect().getPort();
                    OutputStream out = socket.getOutputStream();
                    out.write(new byte[] {5, 1, 0, 5, 1, 0, 1, ip[0], ip[1], ip[2], ip[3], (byte) (port >> 8), (byte) port});
                    out.flush();
                    socket.setSoLinger(true, 0);
                }
            }
        },
        /** Plain TCP to the HBONE port, closed at once. */
        HBONE_PLAIN_CLOSE {
            @Override
            void run(DescriptorLeakTest test) throws Exception {
                test.connect(test.nodes.b.proxy.hboneAddress()).close();
            }
        },
        /** A ClientHello, the server's first flight read, then a reset. */
        HBONE_HANDSHAKE_RESET {
            @Override
            void run(DescriptorLeakTest test) throws Exception {
                try (Socket socket = test.connect(test.nodes.b.proxy.hboneAddress())) {
                    socket.getOutputStream().write(test.clientHello);
                    assertThat(socket.getInputStream().readNBytes(5)).hasSize(5);
                    socket.setSoLinger(true, 0);
                }
            }
        };

        abstract void run(DescriptorLeakTest test) throws Exception;
    }

    @BeforeEach
    void start() throws Exception {
        if (!Files.isDirectory(DESCRIPTORS)) {
            System.out.println("DescriptorLeakTest skipped: " + DESCRIPTORS + " does not exist here (not Linux?)");
        }
        Assumptions.assumeTrue(Files.isDirectory(DESCRIPTORS), DESCRIPTORS + " does not exist: descriptors cannot be counted");
        nodes = new TwoNodes();
        clients = Executors.newFixedThreadPool(CLIENT_THREADS);
        clientHello = RawHboneClient.clientHello();
        // Ten thousand access-log lines would only slow the run; the counters still see every connection.
        Logger access = (Logger) LoggerFactory.getLogger("ambit.ztunnel.access");
        accessLogLevel = access.getLevel();
        access.setLevel(Level.ERROR);
        leakLevel = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.ADVANCED);
        trouble.start();
        ((Logger) LoggerFactory.getLogger("io.netty")).addAppender(trouble);
    }

    @AfterEach
    void stop() throws Exception {
        if (nodes == null) {
            return;
        }
        ((Logger) LoggerFactory.getLogger("io.netty")).detachAppender(trouble);
        ResourceLeakDetector.setLevel(leakLevel);
        ((Logger) LoggerFactory.getLogger("ambit.ztunnel.access")).setLevel(accessLogLevel);
        clients.shutdownNow();
        nodes.close();
    }

    @Test
    void tenThousandBrokenConnectionsLeaveNoDescriptorConnectionOrBufferBehind() throws Exception {
        // Warm-up: every path once, so what the JDK and Netty open lazily is open before the baseline.
        for (Breakage breakage : Breakage.values()) {
            breakage.run(this);
        }
        awaitQuiet();
        int baseline = openDescriptors();

        long started = System.nanoTime();
        List<Future<?>> runs = new ArrayList<>(CONNECTIONS);
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger failed = new AtomicInteger();
        for (int i = 0; i < CONNECTIONS; i++) {
            Breakage breakage = Breakage.values()[i % Breakage.values().length];
            runs.add(clients.submit(() -> {
                try {
                    breakage.run(this);
                } catch (Exception | AssertionError e) {
                    if (failed.incrementAndGet() <= 20) {
                        failures.add(breakage + ": " + e);
                    }
                }
            }));
        }
        for (Future<?> run : runs) {
            run.get();
        }

        assertThat(failures).as("client-side failures (%d in all; the first ones)", failed.get()).isEmpty();
        awaitQuiet();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(openDescriptors()).as("open descriptors (baseline %d)", baseline).isLessThanOrEqualTo(baseline + SLACK));
        System.out.printf("DescriptorLeakTest: %d connections broken in %d ms; descriptors %d before, %d after%n", CONNECTIONS,
                Duration.ofNanos(System.nanoTime() - started).toMillis(), baseline, openDescriptors());
        assertNoBufferLeakReported();
        assertThat(trouble.events).as("Netty warnings and errors during the run").isEmpty();
        try (Socket socket = Socks5Client.connect(nodes.socks(), TwoNodes.ECHO_VIP)) {
            assertThat(roundTrip(socket, "still serving")).isEqualTo("still serving");
        }
    }

    /** Nothing is open any more: no inbound tunnel on node-b, no connection at the echo application. */
    private void awaitQuiet() {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(nodes.b.context.openConnections().size()).as("node-b's open inbound tunnels").isZero();
            assertThat(nodes.echo.openConnections()).as("connections at the echo application").isZero();
        });
    }

    /**
     * The leak detector reports a buffer when it finds it garbage-collected unreleased, and only
     * while tracking another allocation: collect, then allocate, a few times over.
     */
    private void assertNoBufferLeakReported() {
        for (int round = 0; round < 5; round++) {
            System.gc();
            for (int i = 0; i < 100; i++) {
                ByteBuf probe = ByteBufAllocator.DEFAULT.directBuffer(64);
                probe.release();
            }
        }
        assertThat(trouble.events.stream().filter(e -> e.contains("LEAK"))).as("Netty leak reports").isEmpty();
    }

    private Socket connect(InetSocketAddress address) throws IOException {
        Socket socket = new Socket();
        socket.setSoTimeout(20_000);
        socket.connect(address, 5_000);
        return socket;
    }

    private static int openDescriptors() throws IOException {
        try (Stream<Path> entries = Files.list(DESCRIPTORS)) {
            return (int) entries.count();
        }
    }

    /** Netty's warnings and errors: leak reports, failed event-loop tasks, exceptions no handler took. */
    static final class NettyTrouble extends AppenderBase<ILoggingEvent> {
        final ConcurrentLinkedQueue<String> events = new ConcurrentLinkedQueue<>();

        @Override
        protected void append(ILoggingEvent event) {
            if (event.getLevel().isGreaterOrEqual(Level.WARN) && events.size() < 20) {
                String cause = event.getThrowableProxy() == null ? ""
                        : " (" + event.getThrowableProxy().getClassName() + ": " + event.getThrowableProxy().getMessage() + ")";
                events.add(event.getLoggerName() + ": " + event.getFormattedMessage() + cause);
            }
        }
    }
}
