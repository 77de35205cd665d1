package io.ambit.ztunnel.socks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

/** The SOCKS5 front door: the RFC 1928 exchange, and a clean refusal for everything else. */
class Socks5ServerHandlerTest {

    static final InetSocketAddress BOUND = new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000);

    final List<Object> events = new ArrayList<>();
    final List<String> relayed = new ArrayList<>();
    final EmbeddedChannel channel = new EmbeddedChannel(new Socks5ServerHandler(), new ChannelInboundHandlerAdapter() {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            events.add(event);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            relayed.add(((ByteBuf) msg).toString(StandardCharsets.UTF_8));
            ((ByteBuf) msg).release();
        }
    });

    void send(int... bytes) {
        byte[] raw = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            raw[i] = (byte) bytes[i];
        }
        channel.writeInbound(Unpooled.wrappedBuffer(raw));
    }

    String written() {
        StringBuilder hex = new StringBuilder();
        ByteBuf out;
        while ((out = channel.readOutbound()) != null) {
            hex.append(ByteBufUtil.hexDump(out));
            out.release();
        }
        return hex.toString();
    }

    @Test
    void connectToAnIpv4AddressThenRelayWhatFollows() {
        send(5, 1, 0);
        assertThat(written()).isEqualTo("0500");
        send(5, 1, 0, 1, 10, 96, 0, 12, 0, 80);
        assertThat(events).containsExactly(new Socks5Connect(java.util.Optional.of(address("10.96.0.12")), java.util.Optional.empty(), 80));
        channel.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\n", StandardCharsets.UTF_8)); // pipelined before the reply
        assertThat(relayed).isEmpty();
        Socks5ServerHandler.reply(channel, Socks5Reply.SUCCEEDED, BOUND);
        assertThat(written()).isEqualTo("05000001" + "7f000001" + "9c40");
        assertThat(relayed).containsExactly("GET / HTTP/1.1\r\n");
        assertThat(channel.pipeline().get(Socks5ServerHandler.class)).isNull();
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void hostnamesAndIpv6ArriveByteByByte() {
        byte[] name = "echo.demo.svc.cluster.local".getBytes(StandardCharsets.US_ASCII);
        List<Integer> bytes = new ArrayList<>(List.of(5, 2, 2, 0, 5, 1, 0, 3, name.length));
        for (byte b : name) {
            bytes.add((int) b);
        }
        bytes.addAll(List.of(0x1f, 0x90));
        bytes.forEach(this::send);
        assertThat(events).hasSize(1);
        Socks5Connect connect = (Socks5Connect) events.getFirst();
        assertThat(connect.host()).contains("echo.demo.svc.cluster.local");
        assertThat(connect.port()).isEqualTo(8080);

        EmbeddedChannel v6 = new EmbeddedChannel(new Socks5ServerHandler());
        List<Object> seen = new ArrayList<>();
        v6.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
                seen.add(event);
            }
        });
        byte[] request = {5, 1, 0, 5, 1, 0, 4, 0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 80};
        v6.writeInbound(Unpooled.wrappedBuffer(request));
        assertThat(seen).containsExactly(new Socks5Connect(java.util.Optional.of(address("2001:db8::1")), java.util.Optional.empty(), 80));
    }

    @Test
    void aFailedConnectIsAnsweredAndClosed() {
        send(5, 1, 0, 5, 1, 0, 1, 10, 244, 9, 9, 0, 80);
        written();
        Socks5ServerHandler.reply(channel, Socks5Reply.NOT_ALLOWED, BOUND);
        assertThat(written()).startsWith("0502");
        assertThat(channel.isOpen()).isFalse();
        assertThatThrownBy(() -> Socks5ServerHandler.reply(channel, Socks5Reply.SUCCEEDED, BOUND)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void anHttpRequestOnTheSocksPortIsClosedWithoutAnAnswer() {
        channel.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: x\r\n\r\n", StandardCharsets.US_ASCII));
        assertThat(written()).isEmpty();
        assertThat(channel.isOpen()).isFalse();
        assertThat(events).isEmpty();
    }

    @Test
    void aClientThatOffersOnlyPasswordAuthenticationIsRefused() {
        send(5, 1, 2);
        assertThat(written()).isEqualTo("05ff");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void bindAndUdpAreNotSupported() {
        send(5, 1, 0, 5, 2, 0, 1, 10, 0, 0, 1, 0, 80);
        assertThat(written()).isEqualTo("0500" + "05070001000000000000");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void unknownAddressTypesAndMalformedHeadersAreRefused() {
        send(5, 1, 0, 5, 1, 0, 9, 1, 2, 3, 4);
        assertThat(written()).isEqualTo("0500" + "05080001000000000000");

        EmbeddedChannel reserved = new EmbeddedChannel(new Socks5ServerHandler());
        reserved.writeInbound(Unpooled.wrappedBuffer(new byte[] {5, 1, 0, 5, 1, 7, 1, 10, 0, 0, 1, 0, 80}));
        ByteBuf first = reserved.readOutbound();
        ByteBuf second = reserved.readOutbound();
        assertThat(ByteBufUtil.hexDump(second)).startsWith("0501");
        first.release();
        second.release();
        assertThat(reserved.isOpen()).isFalse();
    }

    @Test
    void hostileHostnamesAreRefused() {
        for (String name : List.of("", "a..b", "-a.b", "a b", "evil\u0000.com", "x".repeat(254), "a.b/c")) {
            byte[] raw = name.getBytes(StandardCharsets.ISO_8859_1);
            EmbeddedChannel c = new EmbeddedChannel(new Socks5ServerHandler());
            ByteBuf request = Unpooled.buffer().writeBytes(new byte[] {5, 1, 0, 5, 1, 0, 3}).writeByte(Math.min(raw.length, 255))
                    .writeBytes(raw, 0, Math.min(raw.length, 255)).writeShort(80);
            c.writeInbound(request);
            ByteBuf greeting = c.readOutbound();
            ByteBuf refusal = c.readOutbound();
            assertThat(refusal).as(name).isNotNull();
            assertThat(ByteBufUtil.hexDump(refusal)).as(name).startsWith("0501");
            greeting.release();
            refusal.release();
            assertThat(c.isOpen()).as(name).isFalse();
        }
    }

    @Test
    void portZeroIsRefused() {
        send(5, 1, 0, 5, 1, 0, 1, 10, 0, 0, 1, 0, 0);
        assertThat(written()).endsWith("05010001000000000000");
        assertThat(events).isEmpty();
    }

    private static InetAddress address(String literal) {
        return InetAddress.ofLiteral(literal);
    }
}
