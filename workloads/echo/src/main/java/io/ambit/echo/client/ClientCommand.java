package io.ambit.echo.client;

import java.io.PrintStream;

import io.ambit.echo.EchoException;

/**
 * {@code echo client <target> …}: N requests (or connections), one block of output each, blocks
 * separated by a {@code ---} line; a failed request's block ends with {@code ERROR <reason>}; the
 * last line is {@code ok=<n> failed=<m>}. Exit code 0 only when every request succeeded.
 */
public final class ClientCommand {

    public static final String USAGE = "echo client <http://ip:port/path | ip:port> [--count N] "
            + "[--protocol http|h2c|grpc|tcp|server-first] [--message M] [--header K=V]... [--timeout 5s] [--socks ip:port]";

    private ClientCommand() {
    }

    public static int run(String[] args, PrintStream out) throws EchoException.Usage {
        ClientOptions options = ClientOptions.parse(args);
        int ok = 0;
        int failed = 0;
        try (Caller caller = Caller.of(options)) {
            for (int i = 0; i < options.count(); i++) {
                if (i > 0) {
                    out.println("---");
                }
                Exchange exchange = caller.call();
                byte[] output = exchange.output();
                out.writeBytes(output);
                if (output.length > 0 && output[output.length - 1] != '\n') {
                    out.println();
                }
                if (exchange.succeeded()) {
                    ok++;
                } else {
                    failed++;
                    out.println("ERROR " + exchange.error());
                }
                out.flush();
            }
        }
        out.println("ok=" + ok + " failed=" + failed);
        out.flush();
        return failed == 0 ? 0 : 1;
    }
}
