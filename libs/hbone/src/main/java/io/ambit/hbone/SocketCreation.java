package io.ambit.hbone;

import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

import io.netty.channel.EventLoop;

/**
 * Where a new outgoing socket may be created: in a task of the loop it will belong to, never
 * inline while that loop dispatches a batch of epoll events.
 *
 * <p>Why: Netty's epoll loop dispatches each ready event by file-descriptor number. When a
 * handler closes a socket while the loop works through one {@code epoll_wait} batch, and a
 * handler later in the same batch opens a socket, the kernel hands out the freed number again;
 * the batch's remaining events for the closed socket then reach the new channel. Seen under load
 * as a hang-up delivered to a connecting channel, which later failed with {@code epoll_ctl(..)
 * failed with error(-2)} (ENOENT) and a 503 for a healthy upstream, about one run in five of
 * {@code SiblingTunnelsTest} on a busy machine, none with the NIO transport. A task runs after the
 * batch, when no stale event for any number is left.
 */
final class SocketCreation {

    private SocketCreation() {
    }

    /**
     * Runs {@code open} (which creates and registers a socket on {@code loop}) as a task of
     * {@code loop}; a loop that is shutting down refuses it, and {@code refused} gets why.
     */
    static void onLoop(EventLoop loop, Runnable open, Consumer<Throwable> refused) {
        try {
            loop.execute(open);
        } catch (RejectedExecutionException e) {
            refused.accept(e);
        }
    }
}
