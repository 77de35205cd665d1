package io.ambit.echo.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import io.ambit.echo.EchoException;
import org.junit.jupiter.api.Test;

class ClientOptionsTest {

    @Test
    void httpUrlDefaultsToHttp11() throws Exception {
        ClientOptions options = ClientOptions.parse(new String[] {"http://10.244.1.5:8080/a/b?c=d"});

        assertThat(options.protocol()).isEqualTo(Protocol.HTTP);
        assertThat(options.target().authority()).isEqualTo("10.244.1.5:8080");
        assertThat(options.target().path()).isEqualTo("/a/b?c=d");
        assertThat(options.count()).isEqualTo(1);
        assertThat(options.timeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void bareHostPortNeedsAProtocol() throws Exception {
        assertThatThrownBy(() -> ClientOptions.parse(new String[] {"127.0.0.1:9090"}))
                .isInstanceOf(EchoException.Usage.class).hasMessageContaining("--protocol");

        ClientOptions options = ClientOptions.parse(new String[] {"[::1]:9091", "--protocol", "server-first",
                "--message", "m", "--count", "3", "--timeout", "500ms"});
        assertThat(options.protocol()).isEqualTo(Protocol.SERVER_FIRST);
        assertThat(options.target().port()).isEqualTo(9091);
        assertThat(options.target().toString()).isEqualTo("[0:0:0:0:0:0:0:1]:9091");
        assertThat(options.count()).isEqualTo(3);
        assertThat(options.timeout()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void headersKeepEverythingAfterTheFirstEquals() throws Exception {
        ClientOptions options = ClientOptions.parse(new String[] {"http://localhost:1/", "--header", "X-A=b=c",
                "--header", "Host=svc.ns"});

        assertThat(options.headers()).containsExactly(Map.entry("X-A", "b=c"), Map.entry("Host", "svc.ns"));
    }

    @Test
    void namesThatNeedDnsAreRefused() {
        assertThatThrownBy(() -> ClientOptions.parse(new String[] {"http://reviews.default:9080/"}))
                .isInstanceOf(EchoException.Usage.class).hasMessageContaining("does no DNS");
    }

    @Test
    void mismatchedOrMeaninglessFlagsAreRefused() {
        assertThatThrownBy(() -> ClientOptions.parse(new String[] {"http://127.0.0.1:1/", "--protocol", "tcp"}))
                .hasMessageContaining("does not go with");
        assertThatThrownBy(() -> ClientOptions.parse(new String[] {"http://127.0.0.1:1/", "--message", "x"}))
                .hasMessageContaining("--message is for");
        assertThatThrownBy(() -> ClientOptions.parse(new String[] {"127.0.0.1:1", "--protocol", "tcp", "--header", "a=b"}))
                .hasMessageContaining("--header is for");
        assertThatThrownBy(() -> ClientOptions.parse(new String[] {"127.0.0.1:1", "--protocol", "http"}))
                .hasMessageContaining("needs an http:// URL");
        assertThatThrownBy(() -> ClientOptions.parse(new String[] {"tcp://127.0.0.1"}))
                .hasMessageContaining("needs a port");
        assertThatThrownBy(() -> ClientOptions.parse(new String[] {"http://127.0.0.1:1/", "--count", "0"}))
                .hasMessageContaining("--count");
        assertThatThrownBy(() -> ClientOptions.parse(new String[] {"http://127.0.0.1:1/", "--timeout", "soon"}))
                .hasMessageContaining("--timeout");
        assertThatThrownBy(() -> ClientOptions.parse(new String[] {"http://127.0.0.1:1/", "--count"}))
                .hasMessageContaining("--count needs a value");
    }

    @Test
    void durations() throws Exception {
        assertThat(ClientOptions.duration("5s")).isEqualTo(Duration.ofSeconds(5));
        assertThat(ClientOptions.duration("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(ClientOptions.duration("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(ClientOptions.duration("3")).isEqualTo(Duration.ofSeconds(3));
        assertThat(Caller.describe(Duration.ofMillis(1500))).isEqualTo("1.5s");
        assertThat(Caller.describe(Duration.ofMillis(250))).isEqualTo("250ms");
    }
}
