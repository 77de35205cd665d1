package io.ambit.netns;

/**
 * Moves the current OS thread into a network namespace and back. setns(2) changes only the
 * calling thread, so this is safe in a multi-threaded JVM, but only on a platform thread: a
 * virtual thread hops between carrier threads and would leave a carrier in the pod's namespace.
 *
 * <p>The thread's own namespace is opened before switching, because once inside the pod's
 * namespace {@code /proc/thread-self/ns/net} names the pod's.
 */
final class NamespaceSwitch implements AutoCloseable {

    private static final String THREAD_NETNS = "/proc/thread-self/ns/net";

    private final int home;

    private NamespaceSwitch(int home) {
        this.home = home;
    }

    static NamespaceSwitch enter(NetNamespace target) throws SyscallException {
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("setns on a virtual thread would move its carrier thread; use a platform thread");
        }
        int home = LinuxSyscalls.open(THREAD_NETNS);
        try {
            LinuxSyscalls.setns(target.fd(), LinuxSyscalls.CLONE_NEWNET);
        } catch (SyscallException e) {
            LinuxSyscalls.close(home);
            throw e;
        }
        return new NamespaceSwitch(home);
    }

    /**
     * Back to the namespace the thread had. If even that fails the thread must not run anything
     * else, which is why {@link NetNamespace#run}'s workers end when their way home fails.
     */
    @Override
    public void close() throws SyscallException {
        try {
            LinuxSyscalls.setns(home, LinuxSyscalls.CLONE_NEWNET);
        } finally {
            LinuxSyscalls.close(home);
        }
    }
}
