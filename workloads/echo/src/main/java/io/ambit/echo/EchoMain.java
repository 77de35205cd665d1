package io.ambit.echo;

import java.io.PrintStream;

import io.ambit.echo.client.ClientCommand;
import io.ambit.echo.server.ServerCommand;
import io.ambit.echo.server.ServerOptions;

/**
 * {@code java -jar echo.jar server …} or {@code java -jar echo.jar client …}. Exit codes: 0 done
 * (server stopped by a signal, or every client request succeeded), 1 a request failed or the
 * server could not start, 2 a command line that cannot be run.
 */
public final class EchoMain {

    private EchoMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        String mode = args.length == 0 ? "" : args[0];
        String[] rest = java.util.Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        try {
            return switch (mode) {
                case "server" -> ServerCommand.run(rest, System.getenv(), out, err);
                case "client" -> ClientCommand.run(rest, out);
                default -> throw new EchoException.Usage(mode.isEmpty() ? "say server or client" : "unknown mode '" + mode + "'");
            };
        } catch (EchoException.Usage e) {
            err.println("echo: " + e.getMessage());
            err.println("usage: " + ServerOptions.USAGE);
            err.println("       " + ClientCommand.USAGE);
            return 2;
        } catch (EchoException e) {
            err.println("echo: " + e.getMessage());
            return 1;
        }
    }
}
