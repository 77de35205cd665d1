package io.ambit.netns;

/**
 * The packet mark on every socket ztunnel opens (DESIGN §4). The redirect rules skip marked
 * traffic, so ztunnel's own connections out of (and into) the pod are not captured again.
 */
public final class SocketMark {

    /** 0x539 = 1337, Istio's ztunnel mark. */
    public static final int ZTUNNEL = 0x539;

    private SocketMark() {
    }

    /** SO_MARK on a socket descriptor; needs CAP_NET_ADMIN (EPERM otherwise). */
    public static void apply(int fd, int mark) throws SyscallException {
        LinuxSyscalls.setIntOption(fd, LinuxSyscalls.SOL_SOCKET, LinuxSyscalls.SO_MARK, mark);
    }

    /** The mark a socket carries now. */
    public static int of(int fd) throws SyscallException {
        return LinuxSyscalls.getIntOption(fd, LinuxSyscalls.SOL_SOCKET, LinuxSyscalls.SO_MARK);
    }
}
