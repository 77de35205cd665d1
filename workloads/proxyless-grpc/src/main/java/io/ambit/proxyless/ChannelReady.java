package io.ambit.proxyless;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;

/**
 * Waits for a channel to be READY, as grpc-java applications do before their first call
 * ({@link ManagedChannel#getState(boolean) getState(true)} starts connecting, then
 * {@link ManagedChannel#notifyWhenStateChanged} until READY). For an {@code xds:///} target READY
 * means grpc-xds has the listener, route, cluster and endpoint resources of at least one cluster
 * and a connection to one of its endpoints.
 */
final class ChannelReady {

    private ChannelReady() {
    }

    /**
     * @return how long it took
     * @throws IllegalStateException when the channel is not READY within {@code timeout}, naming the state it is in
     */
    static Duration await(ManagedChannel channel, Duration timeout) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        ConnectivityState state = channel.getState(true);
        while (state != ConnectivityState.READY) {
            if (state == ConnectivityState.SHUTDOWN) {
                throw new IllegalStateException("the channel was shut down before it was READY");
            }
            CountDownLatch changed = new CountDownLatch(1);
            channel.notifyWhenStateChanged(state, changed::countDown);
            long left = deadline - System.nanoTime();
            if (left <= 0 || !changed.await(left, TimeUnit.NANOSECONDS)) {
                throw new IllegalStateException("the channel is not READY after " + timeout.toSeconds() + " s (still " + state
                        + "): no xDS answer for the target, or no endpoint accepts a connection");
            }
            state = channel.getState(true); // IDLE again (say, after a failure): ask it to connect again
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
