package io.ambit.echo.server;

import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import io.ambit.echo.EchoException;

/**
 * {@code echo server …}: binds every listener, prints {@code listening <protocol> <ip:port>} per
 * listener on stdout (the lab waits for these lines), then serves until SIGTERM or SIGINT, closes
 * gracefully and exits 0.
 */
public final class ServerCommand {

    private ServerCommand() {
    }

    /** Runs the server until a stop signal; returns the exit code. */
    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err)
            throws EchoException {
        ServerOptions options = ServerOptions.parse(args, env);
        CountDownLatch stop = new CountDownLatch(1);
        // before the listeners, so a SIGTERM right after the "listening" lines is not lost
        StopSignals.install(stop::countDown);
        try (EchoServer server = EchoServer.start(options, options.accessLog() ? AccessLog.to(err) : AccessLog.NONE)) {
            for (EchoServer.Listener listener : server.listeners()) {
                out.println(listener);
            }
            out.flush();
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
