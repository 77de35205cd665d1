package io.ambit.echo;

/**
 * The echo program's one error type. {@link Usage} is a command line that cannot be run (exit 2,
 * with the usage text); {@link Startup} is a server that could not start, such as a port in use
 * (exit 1).
 */
public sealed class EchoException extends Exception permits EchoException.Usage, EchoException.Startup {

    private EchoException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A command line that cannot be run; the message says which argument and why. */
    public static final class Usage extends EchoException {
        public Usage(String message) {
            super(message, null);
        }
    }

    /** The server could not start; the message names the listener and the address. */
    public static final class Startup extends EchoException {
        public Startup(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
