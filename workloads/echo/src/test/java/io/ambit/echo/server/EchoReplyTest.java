package io.ambit.echo.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

class EchoReplyTest {

    private static final ServerIdentity POD = new ServerIdentity("pod-a", "v2");

    private static SeenRequest request(String url) {
        return new SeenRequest("GET", url, "HTTP/1.1", "svc:80", new InetSocketAddress("10.244.1.5", 40000),
                new InetSocketAddress("10.244.2.7", 8080), List.of(Map.entry("X-A", "1"), Map.entry("x-a", "2")));
    }

    private static String body(EchoReply reply) {
        ByteBuf content = reply.content(UnpooledByteBufAllocator.DEFAULT);
        try {
            return content.toString(StandardCharsets.ISO_8859_1);
        } finally {
            content.release();
        }
    }

    @Test
    void linesInIstioEchoStyle() {
        EchoReply reply = EchoReply.answer(request("/p?q=1"), POD);

        assertThat(reply.status().code()).isEqualTo(200);
        assertThat(body(reply)).isEqualTo("""
                ServiceVersion=v2
                Pod=pod-a
                Method=GET
                URL=/p?q=1
                Proto=HTTP/1.1
                Host=svc:80
                RemoteAddr=10.244.1.5:40000
                LocalAddr=10.244.2.7:8080
                StatusCode=200
                RequestHeader=X-A:1
                RequestHeader=x-a:2
                """);
    }

    @Test
    void failEveryAnswers503ToEveryNthRequest() {
        List<Integer> codes = new java.util.ArrayList<>();
        for (int i = 0; i < 9; i++) {
            codes.add(EchoReply.answer(request("/flaky?fail_every=3"), POD).status().code());
        }
        // the counter is the server's, so where the 503s fall depends on earlier calls; three in nine, never two in a row
        assertThat(codes).filteredOn(c -> c == 503).hasSize(3);
        assertThat(codes).filteredOn(c -> c == 200).hasSize(6);
        assertThat(EchoReply.answer(request("/flaky?fail_every=1"), POD).status().code()).isEqualTo(400);
        assertThat(EchoReply.answer(request("/flaky?fail_every=x"), POD).status().code()).isEqualTo(400);
    }

    @Test
    void delayIsCarriedAndBounded() {
        assertThat(EchoReply.answer(request("/slow?delay=250"), POD).delayMillis()).isEqualTo(250);
        assertThat(EchoReply.answer(request("/slow"), POD).delayMillis()).isZero();
        assertThat(EchoReply.answer(request("/slow?delay=-1"), POD).status().code()).isEqualTo(400);
        assertThat(EchoReply.answer(request("/slow?delay=60001"), POD).status().code()).isEqualTo(400);
    }

    @Test
    void paddingReachesEverySizeExactly() {
        // five digits always, so that the URL line (part of the body) keeps its length
        int natural = EchoReply.answer(request("/?size=00000"), POD).body().length;
        for (int extra = 0; extra <= 20; extra++) {
            int size = natural + extra;
            String body = body(EchoReply.answer(request("/?size=%05d".formatted(size)), POD));
            assertThat(body).hasSize(size).endsWith("\n");
        }
        assertThat(body(EchoReply.answer(request("/?size=00001"), POD))).hasSize(natural);
    }

    @Test
    void noBodyFor204And304() {
        EchoReply reply = EchoReply.answer(request("/?status=204&size=1000"), POD);

        assertThat(reply.contentLength()).isZero();
        assertThat(body(reply)).isEmpty();
    }
}
