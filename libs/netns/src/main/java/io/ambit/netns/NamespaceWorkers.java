package io.ambit.netns;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The few long-lived platform threads that do {@link NetNamespace#run}'s work, shared by every
 * namespace handle: a bounded number whatever the number of pods (a thread per pod would cost its
 * stack against the per-pod memory budget), created on demand and ended after a minute idle.
 *
 * <p>Why workers, and not a new thread per call (what {@code run} did first) nor a switch on the
 * caller's own thread: {@code InPodSocketChannelFactory.newChannel()} runs on a Netty event loop
 * for every upstream connection, and the loop waits. Measured with
 * {@code io.ambit.netns.InPodSocketBenchmark} ({@code bench/netns.sh}, one run, load average 8–12
 * on 2 cores), µs per socket made and closed: thread per call 1,083 ± 960, workers 113 ± 88, the
 * caller's own thread 44 ± 22, no namespace at all 22 ± 21. Workers are ~10× cheaper than a thread
 * per call. The caller's own thread is cheaper still (no hand-off: ~70 µs less here), but it is
 * not used: if its switch back ever failed, an event loop cannot be made to stop, and it would go
 * on opening the node's own sockets (to other nodes, to the CA) inside a pod, unchecked (only the
 * in-pod factories could check the inode). A worker can simply end.
 *
 * <p>The rules a worker keeps, so that no work ever runs in a namespace it did not ask for:
 * <ul>
 * <li>each task enters its target namespace when it starts and the worker switches back to
 *     <em>home</em> (the process's namespace, {@code /proc/self/ns/net} when this class loads)
 *     when it ends, also when the task throws;
 * <li>after switching back the worker checks the inode of the namespace it is in; if the switch
 *     back failed or the inode is not home's, the worker ends (an exception out of a
 *     {@link ThreadPoolExecutor} task ends its thread; the pool starts a new one for later work)
 *     and is never given another task; the task's own result still reaches its caller, because
 *     the task ran where it was asked to;
 * <li>a new worker checks that it is at home before its first task, and goes there if not (a
 *     thread inherits the namespace of the thread that started it: the pool starts a retired
 *     worker's replacement from the retiring thread, still in the pod).
 * </ul>
 * A {@code run} called from inside a task (nesting) runs on the same worker, switching in and back
 * around it: waiting for another worker could deadlock a full pool.
 */
final class NamespaceWorkers {

    private static final Logger LOG = LoggerFactory.getLogger(NamespaceWorkers.class);

    /** How many workers at most; {@code -Dambit.netns.workers}. */
    static final int MAX_WORKERS = Integer.getInteger("ambit.netns.workers",
            Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors())));

    /** Switches the calling thread to a namespace; tests replace it to make the way home fail. */
    @FunctionalInterface
    interface Switcher {
        void setns(int fd) throws SyscallException;
    }

    private static final Switcher SETNS = fd -> LinuxSyscalls.setns(fd, LinuxSyscalls.CLONE_NEWNET);

    private static final AtomicLong THREADS = new AtomicLong();

    /** Declared after what its constructor reads. */
    static final NamespaceWorkers SHARED = new NamespaceWorkers(MAX_WORKERS);

    private final ThreadPoolExecutor pool;
    private final int homeFd;
    private final long homeInode;
    private final AtomicLong retired = new AtomicLong();

    /** The switch back home; a package-private seam so a test can make it fail. */
    volatile Switcher switchHome = SETNS;

    NamespaceWorkers(int maxWorkers) {
        if (maxWorkers < 1) {
            throw new IllegalArgumentException("ambit.netns.workers must be at least 1, was " + maxWorkers);
        }
        try {
            homeFd = LinuxSyscalls.open("/proc/self/ns/net");
        } catch (SyscallException e) {
            throw new IllegalStateException("cannot open this process's network namespace; is /proc mounted?", e);
        }
        homeInode = NetNamespace.inode(java.nio.file.Path.of("/proc/self/fd/" + homeFd));
        pool = new ThreadPoolExecutor(maxWorkers, maxWorkers, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                runnable -> {
                    Worker worker = new Worker(runnable, "netns-worker-" + THREADS.incrementAndGet());
                    worker.setDaemon(true);
                    worker.setUncaughtExceptionHandler((thread, e) -> {
                        if (!(e instanceof Retired)) {
                            LOG.error("netns worker {} ended", thread.getName(), e);
                        }
                    });
                    return worker;
                });
        pool.allowCoreThreadTimeOut(true);
    }

    /** Inode of the namespace workers return to. */
    long homeInode() {
        return homeInode;
    }

    /** Workers ended because they could not get home (or did not start there). */
    long retired() {
        return retired.get();
    }

    /** Runs {@code task} inside {@code target} on a worker; completes {@code result} with what it gave. */
    <T, E extends Exception> void submit(NetNamespace target, NamespaceTask<T, E> task, CompletableFuture<T> result) {
        if (Thread.currentThread() instanceof Worker) {
            runNested(target, task, result);
            return;
        }
        pool.execute(() -> runOnWorker(target, task, result));
    }

    private <T, E extends Exception> void runOnWorker(NetNamespace target, NamespaceTask<T, E> task,
            CompletableFuture<T> result) {
        Worker worker = (Worker) Thread.currentThread();
        if (!worker.verifiedHome) {
            if (!isHome()) {
                // Started by a thread inside a pod (the pool starts a retired worker's replacement
                // from the retiring thread): go home first; if that fails, no work from here.
                try {
                    switchHome.setns(homeFd);
                } catch (SyscallException | RuntimeException e) {
                    result.completeExceptionally(e);
                    retire(worker, "it started outside the process's namespace and cannot leave: " + e.getMessage());
                }
                if (!isHome()) {
                    result.completeExceptionally(new IllegalStateException(
                            "netns worker " + worker.getName() + " cannot reach the process's namespace"));
                    retire(worker, "it started outside the process's namespace and cannot leave");
                }
            }
            worker.verifiedHome = true;
        }
        try {
            LinuxSyscalls.setns(target.fd(), LinuxSyscalls.CLONE_NEWNET);
        } catch (SyscallException | RuntimeException e) {
            result.completeExceptionally(e);
            goHomeOrRetire(worker);
            return;
        }
        try {
            result.complete(task.call());
        } catch (Throwable e) {
            result.completeExceptionally(e);
        } finally {
            goHomeOrRetire(worker);
        }
    }

    private <T, E extends Exception> void runNested(NetNamespace target, NamespaceTask<T, E> task,
            CompletableFuture<T> result) {
        Worker worker = (Worker) Thread.currentThread();
        NamespaceSwitch inside;
        try {
            inside = NamespaceSwitch.enter(target);
        } catch (SyscallException | RuntimeException e) {
            result.completeExceptionally(e);
            return;
        }
        try {
            result.complete(task.call());
        } catch (Throwable e) {
            result.completeExceptionally(e);
        } finally {
            try {
                inside.close();
            } catch (SyscallException | RuntimeException e) {
                // The outer task now runs in the wrong namespace; it learns it from this failure
                // if it has not completed yet, and the worker ends after it.
                worker.lost = true;
                result.completeExceptionally(e);
            }
        }
    }

    /** Back to home and verified there, or this worker ends (the exception ends the pool's thread). */
    private void goHomeOrRetire(Worker worker) {
        try {
            switchHome.setns(homeFd);
        } catch (SyscallException | RuntimeException e) {
            retire(worker, "its switch back failed: " + e.getMessage());
        }
        if (worker.lost) {
            retire(worker, "a nested switch back failed");
        }
        if (!isHome()) {
            retire(worker, "after switching back it is in namespace inode " + NetNamespace.currentInode()
                    + ", not the process's " + homeInode);
        }
    }

    private boolean isHome() {
        return NetNamespace.currentInode() == homeInode;
    }

    private void retire(Worker worker, String why) {
        retired.incrementAndGet();
        LOG.error("netns worker {} ends and is replaced: {}", worker.getName(), why);
        throw new Retired(worker.getName());
    }

    /** A pool thread that remembers whether it has checked it is home. */
    private static final class Worker extends Thread {
        boolean verifiedHome;
        boolean lost;

        Worker(Runnable runnable, String name) {
            super(runnable, name);
        }
    }

    /** Thrown out of a task to end its worker; already logged, so the handler stays quiet. */
    private static final class Retired extends Error {
        Retired(String worker) {
            super("netns worker " + worker + " retired", null, false, false);
        }
    }
}
