package io.ambit.ztunnel.proxy;

import static io.ambit.ztunnel.state.Fixtures.addresses;
import static io.ambit.ztunnel.state.Fixtures.authorizations;
import static io.ambit.ztunnel.state.Fixtures.ip;
import static io.ambit.ztunnel.state.Fixtures.pod;
import static io.ambit.ztunnel.state.Fixtures.resource;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.ambit.ztunnel.policy.Connection;
import io.ambit.ztunnel.policy.L4Authorizer;
import io.ambit.ztunnel.state.StateStore;
import io.ambit.ztunnel.state.Workload;
import io.ambit.ztunnel.state.XdsStateHandler;

/**
 * Re-authorization of open connections after a state change: only changes that can alter a
 * decision start a pass, passes run on the worker (here a queue the test drains), and changes
 * that arrive while a pass waits collapse into one pass against the newest state.
 */
class OpenConnectionsTest {

    private static final String SLEEP = "spiffe://cluster.local/ns/demo/sa/sleep";

    private final StateStore store = new StateStore();
    private final XdsStateHandler handler = new XdsStateHandler(store);
    private final Queue<Runnable> worker = new ArrayDeque<>();
    private OpenConnections open;
    private Workload echo;

    @BeforeEach
    void state() {
        assertThat(handler.apply(addresses(resource(pod("demo", "echo", "node-a", "10.244.1.7").build())))).isEmpty();
        echo = store.snapshot().workloadAt(ip("10.244.1.7")).orElseThrow();
        open = new OpenConnections(new L4Authorizer(), true, worker::add);
        store.addListener(open);
    }

    private AtomicInteger track(int count) {
        AtomicInteger terminated = new AtomicInteger();
        for (int i = 0; i < count; i++) {
            open.track(new Connection(Optional.of(SLEEP), ip("10.244.2.5"), ip("10.244.1.7"), 8080, echo),
                    reason -> terminated.incrementAndGet());
        }
        return terminated;
    }

    private void runWorker() {
        for (Runnable task; (task = worker.poll()) != null;) {
            task.run();
        }
    }

    @Test
    void anAddressChangeNoOpenConnectionGoesToStartsNoPass() {
        track(3);
        assertThat(handler.apply(addresses(resource(pod("demo", "other", "node-b", "10.244.2.9").build())))).isEmpty();
        assertThat(worker).as("nothing queued for an unrelated workload").isEmpty();
        assertThat(open.passes()).isZero();
    }

    @Test
    void aDenyPolicyClosesWhatItNowDeniesOffTheCallersThread() {
        AtomicInteger terminated = track(3);
        assertThat(handler.apply(authorizations(resource(HboneProxyTest.denySleep("deny-sleep"))))).isEmpty();
        assertThat(terminated).as("nothing on the xDS thread").hasValue(0);
        runWorker();
        assertThat(terminated).hasValue(3);
        assertThat(open.size()).isZero();
    }

    @Test
    void aBurstOfChangesCostsOnePassOverTenThousandTunnels() {
        AtomicInteger terminated = track(10_000);
        for (int i = 0; i < 50; i++) {
            assertThat(handler.apply(authorizations(resource(HboneProxyTest.denySleep("noop-" + i).toBuilder()
                    .setNamespace("elsewhere").build())))).isEmpty();
        }
        assertThat(worker).as("50 responses, one pass queued").hasSize(1);
        long start = System.nanoTime();
        runWorker();
        long micros = (System.nanoTime() - start) / 1_000;
        assertThat(open.passes()).isEqualTo(1);
        assertThat(open.checked()).isEqualTo(10_000);
        assertThat(terminated).hasValue(0);
        System.out.printf("re-authorized 10,000 open tunnels after 50 policy responses in one pass: %d µs%n", micros);
    }
}
