package io.ambit.ztunnel.proxy;

import static io.ambit.ztunnel.proxy.HboneProxyTest.roundTrip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sleep pod's SOCKS5 listener, through the whole PodProxy: input that is not a SOCKS5 CONNECT
 * is answered as RFC 1928 says (or closed, when there is no answer to give), never reaches the
 * outbound path (nothing is counted as a connection), and the listener keeps serving.
 */
class SocksBadInputTest {

    TwoNodes nodes;

    @BeforeEach
    void start() throws IOException {
        nodes = new TwoNodes();
    }

    @AfterEach
    void stop() throws Exception {
        nodes.close();
    }

    @Test
    void anHttpRequestOnTheSocksPortIsClosedWithoutAnswer() throws IOException {
        try (Socket socket = socks()) {
            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: echo.demo.svc.cluster.local\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));

            assertThat(answerUntilClosed(socket.getInputStream())).isEmpty();
        }
        assertNothingReachedOutboundAndSocksStillServes();
    }

    @Test
    void aClientOfferingOnlyPasswordAuthenticationIsTurnedAway() throws IOException {
        try (Socket socket = socks()) {
            socket.getOutputStream().write(new byte[] {5, 1, 2});

            assertThat(answerUntilClosed(socket.getInputStream())).containsExactly(5, 0xFF);
        }
        assertNothingReachedOutboundAndSocksStillServes();
    }

    @Test
    void bindAndUdpAssociateAreAnsweredCommandNotSupported() throws IOException {
        for (byte command : new byte[] {2, 3}) {
            try (Socket socket = socks()) {
                socket.getOutputStream().write(new byte[] {5, 1, 0, 5, command, 0, 1, 127, 0, 0, 12, 0, 80});

                byte[] answer = answerUntilClosed(socket.getInputStream());

                assertThat(answer).as("command %d", command).startsWith(5, 0, 5, 7); // method choice, then reply 7
            }
        }
        assertNothingReachedOutboundAndSocksStillServes();
    }

    @Test
    void anUnknownAddressTypeIsAnsweredAddressTypeNotSupported() throws IOException {
        try (Socket socket = socks()) {
            socket.getOutputStream().write(new byte[] {5, 1, 0, 5, 1, 0, 9, 1, 2, 3, 4, 0, 80});

            assertThat(answerUntilClosed(socket.getInputStream())).startsWith(5, 0, 5, 8);
        }
        assertNothingReachedOutboundAndSocksStillServes();
    }

    @Test
    void aClientThatResetsInTheMiddleOfItsRequestLeavesNothingBehind() throws IOException {
        try (Socket socket = socks()) {
            socket.getOutputStream().write(new byte[] {5, 1, 0, 5, 1, 0, 1, 127}); // the address is cut short
            socket.getInputStream().readNBytes(2);
            socket.setSoLinger(true, 0);
        }
        assertNothingReachedOutboundAndSocksStillServes();
    }

    // ---- helpers

    private Socket socks() throws IOException {
        Socket socket = new Socket();
        socket.setSoTimeout(10_000);
        socket.connect(nodes.socks());
        return socket;
    }

    /** Everything the proxy sends before it ends the connection (a reset after its answer counts as the end). */
    private static byte[] answerUntilClosed(InputStream in) throws IOException {
        java.io.ByteArrayOutputStream answer = new java.io.ByteArrayOutputStream();
        try {
            for (int b; (b = in.read()) >= 0;) {
                answer.write(b);
            }
        } catch (SocketException reset) {
            // ended
        }
        return answer.toByteArray();
    }

    private void assertNothingReachedOutboundAndSocksStillServes() {
        assertThat(nodes.a.counter("istio_tcp_connections_opened")).isZero();
        try (Socket socket = Socks5Client.connect(nodes.socks(), nodes.echoDirect())) {
            assertThat(roundTrip(socket, "still serving")).isEqualTo("still serving");
        } catch (IOException e) {
            throw new AssertionError("SOCKS5 no longer serves a normal client", e);
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(nodes.a.counter("istio_tcp_connections_opened", "reporter", "source")).isEqualTo(1));
    }
}
