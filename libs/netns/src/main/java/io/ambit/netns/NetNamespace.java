package io.ambit.netns;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A handle on a network namespace: an open file descriptor of {@code /var/run/netns/<name>} or
 * {@code /proc/<pid>/ns/net}. Holding the descriptor keeps the namespace alive and keeps this
 * handle pointing at the same namespace even if the pod's process exits or the name is reused.
 *
 * <p>{@link #run} does work inside the namespace. Sockets created there stay in it for their
 * whole life, whatever thread later reads or writes them; that is how ztunnel serves a pod's
 * traffic from outside the pod (Istio's in-pod mode).
 */
public final class NetNamespace implements AutoCloseable {

    /** Where {@code ip netns} (and containerd) bind-mount named namespaces. */
    public static final Path NAMED_DIR = Path.of("/var/run/netns");

    private final Path path;
    private final int fd;
    private final long inode;
    private boolean closed;
    private boolean fdClosed;
    private int users;

    private NetNamespace(Path path, int fd, long inode) {
        this.path = path;
        this.fd = fd;
        this.inode = inode;
    }

    /** Opens the namespace file at {@code path} (a bind mount or a {@code /proc/…/ns/net} link). */
    public static NetNamespace open(Path path) throws NetnsException {
        int fd = LinuxSyscalls.open(path.toString());
        try {
            // The inode of the descriptor we hold, not of the path, which could change under us.
            return new NetNamespace(path, fd, inode(Path.of("/proc/self/fd/" + fd)));
        } catch (RuntimeException e) {
            LinuxSyscalls.close(fd);
            throw e;
        }
    }

    /** A namespace made by {@code ip netns add <name>} (or a CNI that uses the same directory). */
    public static NetNamespace named(String name) throws NetnsException {
        if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("not a namespace name: '" + name + "'");
        }
        return open(NAMED_DIR.resolve(name));
    }

    /** The namespace process {@code pid} runs in. */
    public static NetNamespace ofProcess(long pid) throws NetnsException {
        return open(Path.of("/proc", Long.toString(pid), "ns", "net"));
    }

    /** The namespace the calling thread is in now. */
    public static NetNamespace current() throws NetnsException {
        return open(Path.of("/proc/thread-self/ns/net"));
    }

    /** Inode of the namespace the calling thread is in: equal inodes are the same namespace. */
    public static long currentInode() {
        return inode(Path.of("/proc/thread-self/ns/net"));
    }

    static long inode(Path namespaceFile) {
        try {
            return inodeOf(namespaceFile);
        } catch (IOException e) {
            // Only reached for /proc/self/fd/<fd we hold> and /proc/thread-self: a broken /proc.
            throw new UncheckedIOException("cannot stat " + namespaceFile + "; is /proc mounted?", e);
        }
    }

    /** stat(2) through the link: the namespace's inode; fails if a process went away meanwhile. */
    static long inodeOf(Path namespaceFile) throws IOException {
        return ((Number) Files.getAttribute(namespaceFile, "unix:ino")).longValue();
    }

    /**
     * Runs {@code task} inside this namespace and returns its result or rethrows its exception;
     * the caller waits (uninterruptibly: what the task creates is always handed back, never
     * orphaned; an interrupt is kept for afterwards). The work is done by one of a few long-lived
     * workers ({@link NamespaceWorkers}: why, and the rules that keep a worker from ever running
     * work in a namespace it did not ask for).
     */
    public <T, E extends Exception> T run(NamespaceTask<T, E> task) throws E, NetnsException {
        acquire();
        try {
            CompletableFuture<T> result = new CompletableFuture<>();
            NamespaceWorkers.SHARED.submit(this, task, result);
            return await(result);
        } finally {
            release();
        }
    }

    /**
     * Keeps the descriptor open while a task may still setns(2) to it: a descriptor closed and
     * reused meanwhile could name another namespace.
     */
    private synchronized void acquire() {
        if (closed) {
            throw new IllegalStateException("namespace handle " + path + " is closed");
        }
        users++;
    }

    private synchronized void release() throws SyscallException {
        users--;
        if (closed && users == 0 && !fdClosed) {
            fdClosed = true;
            LinuxSyscalls.close(fd);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T, E extends Exception> T await(CompletableFuture<T> result) throws E, NetnsException {
        boolean interrupted = false;
        try {
            // Namespace work is short (a socket, a command); waiting it out keeps ownership clear:
            // whatever the task created is returned to the caller, never orphaned.
            while (true) {
                try {
                    return result.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof Error error) {
                        throw error;
                    }
                    if (cause instanceof NetnsException netns) {
                        throw netns;
                    }
                    throw (E) cause;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The file this handle was opened from. */
    public Path path() {
        return path;
    }

    /** The namespace's inode number: the identity {@code ip netns identify} and {@code lsns} use. */
    public long inode() {
        return inode;
    }

    int fd() {
        return fd;
    }

    /** Closes the descriptor now, or when the last {@link #run} in progress has returned. */
    @Override
    public synchronized void close() throws SyscallException {
        if (!closed) {
            closed = true;
            if (users == 0) {
                fdClosed = true;
                LinuxSyscalls.close(fd);
            }
        }
    }

    @Override
    public String toString() {
        return "netns " + path + " (inode " + inode + ")";
    }
}
