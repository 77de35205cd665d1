package io.ambit.netns;

/** A Linux system call returned -1; the message carries errno's name-free text from strerror(3). */
public final class SyscallException extends NetnsException {

    private final String call;
    private final int errno;

    SyscallException(String call, int errno, String errnoText, String context) {
        super(call + "(" + context + ") failed: errno " + errno + " (" + errnoText + ")");
        this.call = call;
        this.errno = errno;
    }

    /** The system call that failed, e.g. {@code setns}. */
    public String call() {
        return call;
    }

    /** errno as the kernel returned it (ENOENT = 2, EBADF = 9, EPERM = 1, …). */
    public int errno() {
        return errno;
    }
}
