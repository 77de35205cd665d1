package io.ambit.echo;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.ambit.echo.client.ClientCommand;
import io.ambit.echo.server.AccessLog;
import io.ambit.echo.server.EchoServer;
import io.ambit.echo.server.ServerOptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real echo server on ephemeral 127.0.0.1 ports for a test class, plus the client command run
 * in-process with its stdout captured. Register as a static field:
 * {@code @RegisterExtension static final EchoServerExtension echo = new EchoServerExtension("pod-a");}
 */
public final class EchoServerExtension implements BeforeAllCallback, AfterAllCallback {

    /** What {@code echo client} printed and returned. */
    public record ClientRun(int exitCode, String stdout) {

        /** The blocks between {@code ---} lines, without the summary line. */
        public List<String> blocks() {
            List<String> lines = new ArrayList<>(Arrays.asList(stdout.split("\n", -1)));
            lines.removeLast(); // after the final newline
            lines.removeLast(); // the summary
            List<String> blocks = new ArrayList<>();
            StringBuilder block = new StringBuilder();
            for (String line : lines) {
                if (line.equals("---")) {
                    blocks.add(block.toString());
                    block.setLength(0);
                } else {
                    block.append(line).append('\n');
                }
            }
            blocks.add(block.toString());
            return blocks;
        }

        public String summary() {
            String[] lines = stdout.split("\n");
            return lines[lines.length - 1];
        }
    }

    private final String pod;
    private EchoServer server;

    public EchoServerExtension(String pod) {
        this.pod = pod;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        server = EchoServer.start(ServerOptions.loopback(pod), AccessLog.NONE);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (server != null) {
            server.close();
        }
    }

    public String pod() {
        return pod;
    }

    public EchoServer server() {
        return server;
    }

    /** {@code http}, {@code grpc}, {@code tcp} or {@code server-first}. */
    public InetSocketAddress address(String protocol) {
        return server.address(protocol);
    }

    /** {@code 127.0.0.1:port} of one listener. */
    public String hostPort(String protocol) {
        return Addresses.format(address(protocol));
    }

    /** Runs {@code echo client args…} in this JVM. */
    public static ClientRun client(String... args) throws EchoException.Usage {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        int code = ClientCommand.run(args, out);
        out.flush();
        return new ClientRun(code, bytes.toString(StandardCharsets.UTF_8));
    }
}
