package io.ambit.echo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Requests the decoder cannot read get an error status and a closed connection; the server keeps serving. */
class BadHttpInputTest {

    @RegisterExtension
    static final EchoServerExtension echo = new EchoServerExtension("echo-bad-0");

    @ParameterizedTest
    @ValueSource(strings = {
            "GARBAGE\r\n\r\n",
            "this is not http\r\n\r\n",
            "GET / HTTP/1.1\r\nNo colon here\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
            "\u0016\u0003\u0001\u0000\u0005hello\r\n\r\n"})
    void malformedRequestGets400AndClose(String request) throws Exception {
        try (RawHttp http = new RawHttp(echo.address("http"))) {
            http.send(request);
            RawHttp.Response response = http.read();

            assertThat(response.status()).isEqualTo(400);
            assertThat(response.head()).containsIgnoringCase("connection: close");
            assertThat(response.body()).startsWith("bad request: ");
            assertThat(http.closedByServer()).isTrue();
        }
        assertStillServing();
    }

    @Test
    void headersOver64KiBGet431AndClose() throws Exception {
        try (RawHttp http = new RawHttp(echo.address("http"))) {
            http.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(70 * 1024) + "\r\n\r\n");
            RawHttp.Response response = http.read();

            assertThat(response.status()).isEqualTo(431);
            assertThat(response.body()).contains("larger than 65536 bytes");
            assertThat(http.closedByServer()).isTrue();
        }
        assertStillServing();
    }

    @Test
    void headersJustUnder64KiBAreServed() throws Exception {
        try (RawHttp http = new RawHttp(echo.address("http"))) {
            http.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(60 * 1024) + "\r\n\r\n");

            assertThat(http.read().status()).isEqualTo(200);
        }
    }

    @Test
    void overlongRequestLineGets414AndClose() throws Exception {
        try (RawHttp http = new RawHttp(echo.address("http"))) {
            http.send("GET /" + "a".repeat(20 * 1024) + " HTTP/1.1\r\nHost: x\r\n\r\n");

            assertThat(http.read().status()).isEqualTo(414);
            assertThat(http.closedByServer()).isTrue();
        }
        assertStillServing();
    }

    @Test
    void randomBytesNeverStopTheServer() throws Exception {
        Random random = new Random(42);
        for (int i = 0; i < 50; i++) {
            byte[] junk = new byte[1 + random.nextInt(2048)];
            random.nextBytes(junk);
            try (RawHttp http = new RawHttp(echo.address("http"))) {
                http.send(new String(junk, StandardCharsets.ISO_8859_1) + "\r\n\r\n");
                // whatever the answer (400, or a wait for more of a request that could still be
                // valid), the connection is ours to drop
            }
        }
        assertStillServing();
    }

    private static void assertStillServing() throws Exception {
        for (String protocol : List.of("http", "h2c")) {
            EchoServerExtension.ClientRun run = EchoServerExtension.client(
                    "http://" + echo.hostPort("http") + "/after", "--protocol", protocol);
            assertThat(run.exitCode()).isZero();
            assertThat(run.stdout()).contains("Pod=echo-bad-0");
        }
    }
}
