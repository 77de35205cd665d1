package io.ambit.netns;

import java.util.List;

/** An iptables/nft (or other) command could not run or exited non-zero. */
public final class CommandException extends NetnsException {

    private final List<String> command;
    private final int exitStatus;

    CommandException(List<String> command, int exitStatus, String stderr) {
        super(String.join(" ", command) + " exited with " + exitStatus
                + (stderr.isBlank() ? "" : ": " + stderr.strip()));
        this.command = List.copyOf(command);
        this.exitStatus = exitStatus;
    }

    CommandException(List<String> command, String why, Throwable cause) {
        super(String.join(" ", command) + " could not run: " + why, cause);
        this.command = List.copyOf(command);
        this.exitStatus = -1;
    }

    public List<String> command() {
        return command;
    }

    /** The exit status, or -1 when the process could not be started or timed out. */
    public int exitStatus() {
        return exitStatus;
    }
}
