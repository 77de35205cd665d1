package io.ambit.echo.server;

import java.io.PrintStream;

/**
 * One line per HTTP request, gRPC call or TCP connection. Off by default: a lab that does not
 * drain the server's stderr must not stall its event loops on a full pipe.
 */
@FunctionalInterface
public interface AccessLog {

    AccessLog NONE = line -> { };

    void record(String line);

    static AccessLog to(PrintStream stream) {
        return line -> {
            synchronized (stream) {
                stream.println(line);
            }
        };
    }
}
