package io.ambit.echo;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import io.ambit.echo.EchoServerExtension.ClientRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** HTTP/1.1 and h2c answers, through the echo client's own code paths and through other clients. */
class HttpEchoTest {

    @RegisterExtension
    static final EchoServerExtension echo = new EchoServerExtension("echo-http-0");

    private String url(String pathAndQuery) {
        return "http://" + echo.hostPort("http") + pathAndQuery;
    }

    @Test
    void http11AnswerNamesThePodThePeerAndTheHeaders() throws Exception {
        ClientRun run = EchoServerExtension.client(url("/hello?x=1"), "--header", "X-Custom=abc");

        assertThat(run.exitCode()).isZero();
        assertThat(run.summary()).isEqualTo("ok=1 failed=0");
        assertThat(run.blocks()).singleElement().satisfies(body -> assertThat(body.lines().toList())
                .startsWith("ServiceVersion=v1", "Pod=echo-http-0", "Method=GET", "URL=/hello?x=1", "Proto=HTTP/1.1",
                        "Host=" + echo.hostPort("http"))
                .contains("LocalAddr=" + echo.hostPort("http"), "StatusCode=200", "RequestHeader=X-Custom:abc",
                        "RequestHeader=user-agent:ambit-echo")
                .anySatisfy(line -> assertThat(line).matches("RemoteAddr=127\\.0\\.0\\.1:\\d+")));
    }

    @Test
    void remoteAddrIsThePeerTheServerSaw() throws Exception {
        try (RawHttp http = new RawHttp(echo.address("http"))) {
            http.send("GET /raw HTTP/1.1\r\nHost: raw.example\r\nX-One: 1\r\n\r\n");
            RawHttp.Response response = http.read();

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.head()).containsIgnoringCase("content-type: text/plain");
            assertThat(response.body().lines().toList()).contains(
                    "RemoteAddr=127.0.0.1:" + http.localPort(), "Host=raw.example", "RequestHeader=X-One:1");

            // keep-alive: the same connection answers again
            http.send("GET /again HTTP/1.1\r\nHost: raw.example\r\n\r\n");
            assertThat(http.read().body()).contains("URL=/again", "RemoteAddr=127.0.0.1:" + http.localPort());
        }
    }

    @Test
    void h2cByPriorKnowledge() throws Exception {
        ClientRun run = EchoServerExtension.client(url("/h2"), "--protocol", "h2c", "--header", "X-Custom=abc",
                "--header", "Host=reviews.default.svc.cluster.local");

        assertThat(run.exitCode()).isZero();
        assertThat(run.blocks()).singleElement().satisfies(body -> assertThat(body.lines().toList())
                .contains("Pod=echo-http-0", "Proto=HTTP/2.0", "URL=/h2", "Host=reviews.default.svc.cluster.local",
                        "RequestHeader=x-custom:abc")
                .anySatisfy(line -> assertThat(line).matches("RemoteAddr=127\\.0\\.0\\.1:\\d+"))
                .noneSatisfy(line -> assertThat(line).startsWith("RequestHeader=:")));
    }

    @Test
    void h2cByUpgrade() throws Exception {
        // the JDK's client asks for h2c with Upgrade on a plain http:// URL
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build()) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(url("/upgraded")))
                    .header("X-Custom", "up").timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(response.body().lines().toList())
                    .contains("Pod=echo-http-0", "Proto=HTTP/2.0", "URL=/upgraded", "RequestHeader=x-custom:up");
        }
    }

    @Test
    void statusParameterIsHonouredAndCountsAsAFailure() throws Exception {
        for (String protocol : List.of("http", "h2c")) {
            ClientRun run = EchoServerExtension.client(url("/?status=503"), "--protocol", protocol);

            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.summary()).isEqualTo("ok=0 failed=1");
            assertThat(run.blocks()).singleElement().satisfies(block -> assertThat(block.lines().toList())
                    .contains("StatusCode=503", "Pod=echo-http-0")
                    .endsWith("ERROR status 503"));
        }
    }

    @Test
    void sizeParameterPadsTheBodyToExactlyThatLength() throws Exception {
        try (RawHttp http = new RawHttp(echo.address("http"))) {
            for (int size : new int[] {300, 301, 305, 100_000}) {
                http.send("GET /?size=" + size + " HTTP/1.1\r\nHost: x\r\n\r\n");
                RawHttp.Response response = http.read();
                assertThat(response.body()).hasSize(size).startsWith("ServiceVersion=v1\n").endsWith("\n");
            }
        }
        ClientRun h2 = EchoServerExtension.client(url("/?size=70000"), "--protocol", "h2c");
        assertThat(h2.blocks().getFirst()).hasSize(70_000);
    }

    @Test
    void badParametersGet400() throws Exception {
        try (RawHttp http = new RawHttp(echo.address("http"))) {
            http.send("GET /?size=99999999999 HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response tooBig = http.read();
            http.send("GET /?status=42 HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response badStatus = http.read();

            assertThat(tooBig.status()).isEqualTo(400);
            assertThat(tooBig.body()).startsWith("bad request: size must be a number from 0 to 16777216");
            assertThat(badStatus.status()).isEqualTo(400);
            assertThat(badStatus.body()).contains("status must be a number from 200 to 599, got '42'");
        }
    }

    @Test
    void countMakesOneConnectionPerRequest() throws Exception {
        ClientRun run = EchoServerExtension.client(url("/n"), "--count", "3");

        assertThat(run.exitCode()).isZero();
        assertThat(run.summary()).isEqualTo("ok=3 failed=0");
        assertThat(run.blocks()).hasSize(3)
                .allSatisfy(block -> assertThat(block).contains("Pod=echo-http-0", "URL=/n"))
                .extracting(block -> block.lines().filter(l -> l.startsWith("RemoteAddr=")).findFirst().orElseThrow())
                .doesNotHaveDuplicates();
    }

    @Test
    void unreachableTargetFailsEveryRequestWithAReason() throws Exception {
        java.net.InetSocketAddress closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = (java.net.InetSocketAddress) socket.getLocalSocketAddress();
        }
        ClientRun run = EchoServerExtension.client("http://" + Addresses.format(closed) + "/", "--count", "2",
                "--timeout", "10s");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.summary()).isEqualTo("ok=0 failed=2");
        assertThat(run.blocks()).hasSize(2).allSatisfy(block -> assertThat(block)
                .startsWith("ERROR connect " + Addresses.format(closed) + ": "));
    }
}
