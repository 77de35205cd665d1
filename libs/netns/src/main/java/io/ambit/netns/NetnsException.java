package io.ambit.netns;

import java.io.IOException;

/**
 * Everything this module can fail with. A failed system call ({@link SyscallException}) names
 * the call and the errno; a failed rule command ({@link CommandException}) carries the command
 * line, its exit status and what it printed; {@link NoRedirectBackendException} means the node
 * has neither nftables nor iptables.
 */
public abstract sealed class NetnsException extends IOException
        permits SyscallException, CommandException, NoRedirectBackendException {

    NetnsException(String message) {
        super(message);
    }

    NetnsException(String message, Throwable cause) {
        super(message, cause);
    }
}
