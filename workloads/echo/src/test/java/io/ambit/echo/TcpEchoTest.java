package io.ambit.echo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import io.ambit.echo.EchoServerExtension.ClientRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Plain TCP echo and server-speaks-first, by raw sockets and through the echo client. */
class TcpEchoTest {

    @RegisterExtension
    static final EchoServerExtension echo = new EchoServerExtension("echo-tcp-0");

    @Test
    void echoesEverythingThenClosesAfterTheClientsFin() throws Exception {
        byte[] payload = new byte[4 << 20];
        new Random(7).nextBytes(payload);
        try (Socket socket = connect("tcp")) {
            // write from another thread: an echo that nobody reads would stall the writer
            CompletableFuture<Void> written = CompletableFuture.runAsync(() -> {
                try {
                    OutputStream out = socket.getOutputStream();
                    out.write(payload);
                    socket.shutdownOutput();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            byte[] echoed = socket.getInputStream().readAllBytes(); // returns at the server's FIN

            written.get();
            assertThat(echoed).isEqualTo(payload);
        }
    }

    @Test
    void halfClosedConnectionStillGetsItsEcho() throws Exception {
        try (Socket socket = connect("tcp")) {
            socket.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();

            assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("ping");
        }
    }

    @Test
    void tcpClientPrintsTheEcho() throws Exception {
        ClientRun run = EchoServerExtension.client(echo.hostPort("tcp"), "--protocol", "tcp",
                "--message", "abc def", "--count", "2");

        assertThat(run.exitCode()).isZero();
        assertThat(run.stdout()).isEqualTo("abc def\n---\nabc def\nok=2 failed=0\n");
    }

    @Test
    void serverFirstBannerArrivesBeforeTheClientSendsAnything() throws Exception {
        try (Socket socket = connect("server-first")) {
            InputStream in = socket.getInputStream();
            String banner = readLine(in);

            assertThat(banner).isEqualTo("HELLO pod=echo-tcp-0 peer=127.0.0.1:" + socket.getLocalPort() + "\n");

            socket.getOutputStream().write("after the banner".getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("after the banner");
        }
    }

    @Test
    void serverFirstClientPrintsBannerThenEcho() throws Exception {
        ClientRun run = EchoServerExtension.client("tcp://" + echo.hostPort("server-first"),
                "--protocol", "server-first", "--message", "m1");

        assertThat(run.exitCode()).isZero();
        assertThat(run.blocks()).singleElement().satisfies(block -> assertThat(block)
                .matches("HELLO pod=echo-tcp-0 peer=127\\.0\\.0\\.1:\\d+\nm1\n"));
    }

    @Test
    void tcpClientAgainstTheServerFirstPortSeesTheBannerAsAWrongEcho() throws Exception {
        ClientRun run = EchoServerExtension.client(echo.hostPort("server-first"), "--protocol", "tcp");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.stdout()).startsWith("HELLO pod=echo-tcp-0 ")
                .contains("ERROR the echo (")
                .endsWith("ok=0 failed=1\n");
    }

    private static Socket connect(String protocol) throws Exception {
        Socket socket = new Socket();
        socket.connect(echo.address(protocol), 10_000);
        socket.setSoTimeout(30_000);
        return socket;
    }

    private static String readLine(InputStream in) throws Exception {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            line.append((char) b);
            if (b == '\n') {
                break;
            }
        }
        return line.toString();
    }
}
