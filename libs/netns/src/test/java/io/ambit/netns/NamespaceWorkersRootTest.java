package io.ambit.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.ambit.netns.topology.Topology;
import io.ambit.testkit.RequiresRoot;

/** {@link NetNamespace#run}'s long-lived workers in real namespaces (see {@link NamespaceWorkers}). */
@RequiresRoot("creates network namespaces and setns(2)es into them")
class NamespaceWorkersRootTest {

    private static final int PODS = 4;

    private static Topology topology;
    private static final List<NetNamespace> pods = new ArrayList<>();

    @BeforeAll
    static void createNamespaces() throws Exception {
        topology = Topology.create("ambt-nnwk-", "10.250", 1);
        for (int i = 0; i < PODS; i++) {
            pods.add(NetNamespace.named(topology.addPod("w" + i, 1, topology.podAddress(1, 10 + i))));
        }
    }

    @AfterAll
    static void deleteNamespaces() throws Exception {
        for (NetNamespace pod : pods) {
            pod.close();
        }
        if (topology != null) {
            topology.close();
        }
    }

    @Test
    void manyConcurrentRunsAcrossNamespacesEachSeeTheirOwn() throws Exception {
        long home = NetNamespace.currentInode();
        int callers = 8;
        int perCaller = 200;
        java.util.Set<String> workerNames = java.util.concurrent.ConcurrentHashMap.newKeySet();
        ExecutorService executor = Executors.newFixedThreadPool(callers);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<String>>> results = new ArrayList<>();
            for (int c = 0; c < callers; c++) {
                int caller = c;
                results.add(executor.submit(() -> {
                    start.await();
                    List<String> wrong = new ArrayList<>();
                    for (int i = 0; i < perCaller; i++) {
                        NetNamespace target = pods.get((caller + i) % PODS);
                        long seen = target.run(() -> {
                            workerNames.add(Thread.currentThread().getName());
                            return NetNamespace.currentInode();
                        });
                        if (seen != target.inode()) {
                            wrong.add(target + " ran in inode " + seen);
                        }
                        if (NetNamespace.currentInode() != home) {
                            wrong.add("the caller's own thread left home");
                        }
                    }
                    return wrong;
                }));
            }
            start.countDown();
            for (Future<List<String>> result : results) {
                assertThat(result.get(2, TimeUnit.MINUTES)).isEmpty();
            }
        } finally {
            executor.shutdownNow();
        }
        // Bounded: the workers that did it all are few, whatever the number of calls.
        assertThat(workerNames).hasSizeBetween(1, NamespaceWorkers.MAX_WORKERS);
    }

    @Test
    void aTaskThatThrowsLeavesItsWorkerUsableAndAtHome() throws Exception {
        NamespaceWorkers workers = new NamespaceWorkers(1);
        NetNamespace pod = pods.get(0);
        AtomicReference<Thread> thrower = new AtomicReference<>();
        CompletableFuture<Long> failed = new CompletableFuture<>();
        workers.submit(pod, () -> {
            thrower.set(Thread.currentThread());
            throw new IOException("task failed inside");
        }, failed);
        assertThatThrownBy(() -> failed.get(1, TimeUnit.MINUTES)).hasCauseInstanceOf(IOException.class)
                .hasRootCauseMessage("task failed inside");

        // The only worker ran the next task too, and was home in between.
        CompletableFuture<Long> homeSeen = new CompletableFuture<>();
        CompletableFuture<Thread> runner = new CompletableFuture<>();
        workers.submit(pod, () -> {
            runner.complete(Thread.currentThread());
            return NetNamespace.currentInode();
        }, homeSeen);
        assertThat(homeSeen.get(1, TimeUnit.MINUTES)).isEqualTo(pod.inode());
        assertThat(runner.get()).isSameAs(thrower.get());
        assertThat(workers.retired()).isZero();
        // A thread that did pod work, checked from outside: its namespace link names home again.
        java.nio.file.Path link = java.nio.file.Path.of("/proc/self/task/" + threadId(thrower.get(), workers, pods.get(1)),
                "ns/net");
        await().atMost(1, TimeUnit.MINUTES).until(() -> NetNamespace.inodeOf(link) == workers.homeInode());
    }

    @Test
    void aWorkerWhoseWayHomeFailsIsRetiredAndReplaced() throws Exception {
        NamespaceWorkers workers = new NamespaceWorkers(1);
        NetNamespace pod = pods.get(2);
        AtomicInteger failures = new AtomicInteger(1);
        NamespaceWorkers.Switcher real = workers.switchHome;
        workers.switchHome = fd -> {
            if (failures.getAndDecrement() > 0) {
                throw new SyscallException("setns", 1, "Operation not permitted", "injected by the test");
            }
            real.setns(fd);
        };

        CompletableFuture<Long> inside = new CompletableFuture<>();
        CompletableFuture<Thread> first = new CompletableFuture<>();
        workers.submit(pod, () -> {
            first.complete(Thread.currentThread());
            return NetNamespace.currentInode();
        }, inside);
        // The task itself ran where it was asked: its result still counts.
        assertThat(inside.get(1, TimeUnit.MINUTES)).isEqualTo(pod.inode());
        // Its thread, stuck in the pod, ends instead of taking more work.
        await().atMost(1, TimeUnit.MINUTES).until(() -> !first.get().isAlive());
        assertThat(workers.retired()).isEqualTo(1);

        // The next task gets a new worker, which starts at home and goes to the right namespace.
        NetNamespace other = pods.get(3);
        CompletableFuture<Long> next = new CompletableFuture<>();
        CompletableFuture<Thread> second = new CompletableFuture<>();
        workers.submit(other, () -> {
            second.complete(Thread.currentThread());
            return NetNamespace.currentInode();
        }, next);
        assertThat(next.get(1, TimeUnit.MINUTES)).isEqualTo(other.inode());
        assertThat(second.get()).isNotSameAs(first.get());
        assertThat(workers.retired()).isEqualTo(1);
    }

    @Test
    void aRunInsideARunUsesTheSameWorkerAndComesBackToTheOuterNamespace() throws Exception {
        NetNamespace outer = pods.get(0);
        NetNamespace inner = pods.get(1);
        long[] seen = outer.run(() -> new long[] {
                NetNamespace.currentInode(), inner.run(NetNamespace::currentInode), NetNamespace.currentInode() });
        assertThat(seen).containsExactly(outer.inode(), inner.inode(), outer.inode());
    }

    @Test
    void aClosedHandleRefusesWorkAndAnOpenRunKeepsItsDescriptor() throws Exception {
        NetNamespace ns = NetNamespace.named(topology.podNamespace("w0"));
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        CompletableFuture<Long> inner = new CompletableFuture<>();
        Thread caller = Thread.ofPlatform().start(() -> {
            try {
                inner.complete(ns.run(() -> {
                    running.countDown();
                    closed.await();
                    // Closed by now, but the descriptor stays open until this run returns.
                    assertThat(java.nio.file.Path.of("/proc/self/fd/" + ns.fd())).exists();
                    return NetNamespace.currentInode();
                }));
            } catch (Throwable e) {
                inner.completeExceptionally(e);
            }
        });
        running.await();
        ns.close();
        assertThatThrownBy(() -> ns.run(NetNamespace::currentInode)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is closed");
        closed.countDown();
        assertThat(inner.get(1, TimeUnit.MINUTES)).isEqualTo(ns.inode());
        caller.join();
    }

    /** The worker thread's kernel id, read on that very worker (a 1-worker pool runs everything there). */
    private static long threadId(Thread expected, NamespaceWorkers workers, NetNamespace any) throws Exception {
        CompletableFuture<Long> tid = new CompletableFuture<>();
        workers.submit(any, () -> {
            assertThat(Thread.currentThread()).isSameAs(expected);
            return Long.parseLong(java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/thread-self"))
                    .getFileName().toString());
        }, tid);
        return tid.get(1, TimeUnit.MINUTES);
    }
}
