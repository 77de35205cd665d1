package io.ambit.hbone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

import io.ambit.testkit.TestCa;
import io.ambit.testkit.TestCaExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestCaExtension.class)
class HbonePoolTest {

    private TestBed bed;
    private HboneServer server;
    private String target;
    private HboneKey key;

    @BeforeEach
    void start(TestCa ca) {
        bed = new TestBed(ca);
        server = bed.server(b -> { });
        target = ConnectAuthority.format(bed.echoUpstream());
        key = new HboneKey(TestBed.CLIENT, TestBed.SERVER, server.address());
    }

    @AfterEach
    void stop() {
        bed.close();
    }

    @Test
    void opensANewConnectionAfter100Streams() {
        HbonePool pool = bed.pool(100, Duration.ofMinutes(5));
        List<HboneTunnel> tunnels = new ArrayList<>();

        for (int i = 0; i < 101; i++) {
            tunnels.add(pool.open(key, target, HboneHeaders.none()).join());
        }

        assertThat(connections(tunnels)).hasSize(2);
        assertThat(tunnels.subList(0, 100).stream().map(HboneTunnel::connection).distinct()).hasSize(1);
        assertThat(pool.connectionsOpened()).isEqualTo(2);
    }

    @Test
    void countsOpenedStreamsNotOnlyConcurrentOnes() {
        HbonePool pool = bed.pool(3, Duration.ofMinutes(5));
        List<HboneTunnel> tunnels = new ArrayList<>();

        for (int i = 0; i < 4; i++) {
            HboneTunnel tunnel = pool.open(key, target, HboneHeaders.none()).join();
            tunnels.add(tunnel);
            tunnel.close();
            tunnel.closeFuture().syncUninterruptibly();
        }

        assertThat(connections(tunnels)).hasSize(2);
        // the full connection closes once its last stream is gone; the pool keeps only the new one
        await().atMost(Duration.ofSeconds(10)).until(() -> !tunnels.getFirst().connection().isUsable());
        assertThat(pool.connectionCount(key)).isEqualTo(1);
    }

    @Test
    void differentKeysUseDifferentConnections() {
        HbonePool pool = bed.pool(100, Duration.ofMinutes(5));
        HboneServer second = bed.server(b -> { });

        HboneTunnel a = pool.open(key, target, HboneHeaders.none()).join();
        HboneTunnel otherSource = pool.open(new HboneKey(TestBed.OTHER_CLIENT, TestBed.SERVER, server.address()),
                target, HboneHeaders.none()).join();
        HboneTunnel otherAddress = pool.open(new HboneKey(TestBed.CLIENT, TestBed.SERVER, second.address()),
                target, HboneHeaders.none()).join();
        HboneTunnel again = pool.open(key, target, HboneHeaders.none()).join();

        assertThat(connections(List.of(a, otherSource, otherAddress))).hasSize(3);
        assertThat(again.connection()).isSameAs(a.connection());
        assertThat(pool.connectionsOpened()).isEqualTo(3);
    }

    @Test
    void closesIdleConnections() {
        HbonePool pool = bed.pool(100, Duration.ofMillis(200));
        HboneTunnel first = pool.open(key, target, HboneHeaders.none()).join();
        HboneTunnel second = pool.open(key, target, HboneHeaders.none()).join();

        first.close();
        first.closeFuture().syncUninterruptibly();
        assertThat(first.connection().isUsable()).as("one stream still open: not idle").isTrue();
        second.close();

        await().atMost(Duration.ofSeconds(10)).until(() -> first.connection().closeFuture().isDone());
        assertThat(pool.connectionCount(key)).isZero();
        HboneTunnel fresh = pool.open(key, target, HboneHeaders.none()).join();
        assertThat(fresh.connection()).isNotSameAs(first.connection());
        assertThat(pool.connectionsOpened()).isEqualTo(2);
    }

    @Test
    void concurrentOpensShareOneConnectionAttempt() throws Exception {
        HbonePool pool = bed.pool(100, Duration.ofMinutes(5));
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<HboneTunnel>> opens = new ArrayList<>();

        for (int i = 0; i < 20; i++) {
            opens.add(bed.async(() -> {
                go.await();
                return pool.open(key, target, HboneHeaders.none()).join();
            }));
        }
        go.countDown();
        List<HboneTunnel> tunnels = opens.stream().map(CompletableFuture::join).toList();

        assertThat(connections(tunnels)).hasSize(1);
        assertThat(pool.connectionsOpened()).isEqualTo(1);
    }

    @Test
    void neverHandsOutAClosedConnection() {
        HbonePool pool = bed.pool(100, Duration.ofMinutes(5));
        HboneTunnel first = pool.open(key, target, HboneHeaders.none()).join();

        first.connection().close().syncUninterruptibly();
        HboneTunnel next = pool.open(key, target, HboneHeaders.none()).join();

        assertThat(next.connection()).isNotSameAs(first.connection());
        assertThat(next.stream().isActive()).isTrue();
    }

    @Test
    void failedConnectIsReportedToEveryWaiterAndNotPooled() {
        HbonePool pool = bed.pool(100, Duration.ofMinutes(5));
        HboneKey nowhere = new HboneKey(TestBed.CLIENT, TestBed.SERVER, TestBed.closedPort());

        CompletableFuture<HboneTunnel> a = pool.open(nowhere, target, HboneHeaders.none());
        CompletableFuture<HboneTunnel> b = pool.open(nowhere, target, HboneHeaders.none());

        assertThat(a).failsWithin(Duration.ofSeconds(10));
        assertThat(b).failsWithin(Duration.ofSeconds(10));
        assertThat(pool.connectionCount(nowhere)).isZero();
    }

    /** Client contexts are reused across connections, but a rotated certificate is what the next connection presents. */
    @Test
    void aRotatedCertificateIsPresentedOnTheNextConnection() {
        java.util.concurrent.atomic.AtomicReference<io.ambit.identity.Svid> current =
                new java.util.concurrent.atomic.AtomicReference<>(bed.svids.get(TestBed.CLIENT));
        List<io.ambit.identity.SpiffeId> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        HboneServer observed = bed.server(b -> b.observer(new TunnelObserver() {
            @Override
            public void opened(ConnectRequest request, Relay relay) {
                seen.add(request.client());
            }
        }));
        HboneKey k = new HboneKey(TestBed.CLIENT, TestBed.SERVER, observed.address());
        HbonePool pool = new HbonePool(bed.client(), source -> new io.ambit.tls.ReloadableSslContext.KeyMaterial(current.get(), bed.bundle),
                1, Duration.ofMinutes(5));
        try {
            pool.open(k, target, HboneHeaders.none()).join();
            pool.open(k, target, HboneHeaders.none()).join(); // one stream per connection: a second connection, same certificate
            current.set(bed.svids.get(TestBed.OTHER_CLIENT)); // rotated (here to another identity, to tell them apart)
            pool.open(k, target, HboneHeaders.none()).join();
            await().until(() -> seen.size() == 3);
            assertThat(seen).containsExactly(TestBed.CLIENT, TestBed.CLIENT, TestBed.OTHER_CLIENT);
            assertThat(pool.connectionsOpened()).isEqualTo(3);
        } finally {
            pool.close();
        }
    }

    private static Set<HboneConnection> connections(List<HboneTunnel> tunnels) {
        return tunnels.stream().map(HboneTunnel::connection).collect(Collectors.toSet());
    }
}
