package io.ambit.netns;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import io.ambit.netns.topology.Topology;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;

/**
 * What one upstream socket made inside a pod's namespace costs the thread that asks for it (a
 * Netty event loop, in ztunnel): {@code InPodSocketChannelFactory.newChannel()} and close, per
 * way of getting into the namespace, all in one run (needs root: it makes a namespace with the
 * topology kit). In this package because the alternatives use the package-private
 * {@link NamespaceSwitch}.
 * <ul>
 * <li>{@code WORKERS}: what the factory does now ({@link NetNamespace#run} on long-lived workers);
 * <li>{@code THREAD_PER_CALL}: what it did before: a new platform thread that enters, creates, leaves and ends;
 * <li>{@code CALLER_THREAD}: setns(2) in on the caller's own thread, create, setns back, check the
 *     inode (no hand-off; see {@link NamespaceWorkers} for why it is not used);
 * <li>{@code NO_NAMESPACE}: the same socket in the caller's own namespace: the limit.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class InPodSocketBenchmark {

    public enum Strategy { WORKERS, THREAD_PER_CALL, CALLER_THREAD, NO_NAMESPACE }

    @Param
    public Strategy strategy;

    private Topology topology;
    private NetNamespace pod;
    private InPodSocketChannelFactory factory;
    private long home;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        // Loads Netty's native transport (an event loop group would, in ztunnel); fails loudly if absent.
        Epoll.ensureAvailability();
        Topology.removeStale("ambt-nnjm-");
        topology = Topology.create("ambt-nnjm-", "10.250", 1);
        pod = NetNamespace.named(topology.addPod("bench", 1, topology.podAddress(1, 10)));
        factory = new InPodSocketChannelFactory(pod);
        home = NetNamespace.currentInode();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        pod.close();
        topology.close();
    }

    @Benchmark
    public int newChannelAndClose() throws Exception {
        EpollSocketChannel channel = switch (strategy) {
            case WORKERS -> factory.newChannel();
            case THREAD_PER_CALL -> onNewThread();
            case CALLER_THREAD -> onCallerThread();
            case NO_NAMESPACE -> markedSocket();
        };
        int fd = channel.fd().intValue();
        channel.unsafe().closeForcibly();
        return fd;
    }

    private static EpollSocketChannel markedSocket() throws SyscallException {
        EpollSocketChannel channel = new EpollSocketChannel();
        SocketMark.apply(channel.fd().intValue(), SocketMark.ZTUNNEL);
        return channel;
    }

    /** The code NetNamespace.run had before the workers (thread create + start + join per call). */
    private EpollSocketChannel onNewThread() throws Exception {
        CompletableFuture<EpollSocketChannel> result = new CompletableFuture<>();
        Thread.ofPlatform().name("netns-bench").daemon().start(() -> {
            try (NamespaceSwitch ignored = NamespaceSwitch.enter(pod)) {
                result.complete(markedSocket());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        return result.get();
    }

    private EpollSocketChannel onCallerThread() throws Exception {
        EpollSocketChannel channel;
        try (NamespaceSwitch ignored = NamespaceSwitch.enter(pod)) {
            channel = markedSocket();
        }
        if (NetNamespace.currentInode() != home) {
            throw new IllegalStateException("left in the wrong namespace");
        }
        return channel;
    }
}
