package io.ambit.waypoint.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.ambit.waypoint.TestMeshConfig;

/** CONNECTs held for a configuration that is about to serve them: let through, refused when it never comes, bounded. */
class ChainWaitersTest {

    static final InetSocketAddress SERVED = new InetSocketAddress(TestMeshConfig.VIP, 80);
    static final InetSocketAddress UNKNOWN = new InetSocketAddress("10.0.0.99", 80);

    final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    final InetSocketAddress e = new InetSocketAddress("127.0.0.1", 9);
    final TestMeshConfig.Resources full = TestMeshConfig.resources(e, e, e, e, e);
    volatile WaypointSnapshot current = WaypointSnapshot.EMPTY;

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    @Test
    void aServedTargetIsAnsweredAtOnce() throws Exception {
        current = full.snapshot();
        ChainWaiters waiters = new ChainWaiters(() -> current, timer, Duration.ofMinutes(1));
        assertThat(waiters.served(SERVED).toCompletableFuture().getNow(false)).isTrue();
        assertThat(waiters.waiting()).isZero();
    }

    @Test
    void aTargetThatNeverComesIsRefusedWhenTheWaitEnds() throws Exception {
        ChainWaiters waiters = new ChainWaiters(() -> current, timer, Duration.ofMillis(50));
        assertThat(waiters.served(UNKNOWN).toCompletableFuture().get(10, TimeUnit.SECONDS)).isFalse();
        assertThat(waiters.waiting()).isZero();
    }

    @Test
    void aListenerWhoseRoutesHaveNotArrivedYetKeepsTheConnectWaiting() throws Exception {
        ChainWaiters waiters = new ChainWaiters(() -> current, timer, Duration.ofMinutes(1));
        CompletableFuture<Boolean> answer = waiters.served(SERVED).toCompletableFuture();
        // the Listener first (one xDS response), its RouteConfiguration in the next: still waiting
        current = new TestMeshConfig.Resources(full.listeners(), List.of(), full.clusters(), full.endpoints()).snapshot();
        assertThat(current.chain(SERVED)).isPresent();
        waiters.snapshotPublished(current);
        assertThat(answer).isNotDone();
        current = full.snapshot();
        waiters.snapshotPublished(current);
        assertThat(answer.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(waiters.waiting()).isZero();
    }

    @Test
    void atMostMaxWaitingAreHeldTheRestAnsweredAtOnce() {
        ChainWaiters waiters = new ChainWaiters(() -> current, timer, Duration.ofMinutes(1));
        for (int i = 0; i < ChainWaiters.MAX_WAITING; i++) {
            assertThat(waiters.served(UNKNOWN)).isNotDone();
        }
        assertThat(waiters.served(UNKNOWN).toCompletableFuture().getNow(true)).as("over the bound: refused at once").isFalse();
        assertThat(waiters.waiting()).isEqualTo(ChainWaiters.MAX_WAITING);
    }

    @Test
    void aZeroWaitRefusesAtOnceAndANegativeOneIsRefused() {
        assertThat(new ChainWaiters(() -> current, timer, Duration.ZERO).served(UNKNOWN).toCompletableFuture().getNow(true)).isFalse();
        assertThatThrownBy(() -> new ChainWaiters(() -> current, timer, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
