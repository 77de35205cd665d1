package io.ambit.hbone;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * The hold replays what it kept as Netty delivers it: the reads, then a read-complete, and it
 * closes a connection that breaks before its relay exists. Without
 * the latter, an HTTP/2 codec added behind the hold never flushed its SETTINGS ack and held back
 * its streams' writes, so a client and server waited on each other (HboneServerTest's oversized
 * header test hung about once in eight runs).
 */
class InboundHoldTest {

    @Test
    void replayedReadsEndWithAReadComplete() {
        InboundHold hold = new InboundHold();
        EmbeddedChannel channel = new EmbeddedChannel(hold);
        channel.writeInbound(Unpooled.copiedBuffer(new byte[] {1, 2}), Unpooled.copiedBuffer(new byte[] {3}));
        List<String> seen = new ArrayList<>();
        channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                seen.add("read " + ((ByteBuf) msg).readableBytes());
                ((ByteBuf) msg).release();
            }

            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) {
                seen.add("complete");
            }
        });

        hold.release();

        assertThat(seen).containsExactly("read 2", "read 1", "complete");
        assertThat(channel.pipeline().get(InboundHold.class)).isNull();
        channel.finishAndReleaseAll();
    }

    /** Nothing behind the hold handles errors yet: it closes the connection instead of letting one reach the tail. */
    @Test
    void anErrorBeforeTheRelayClosesTheConnectionQuietly() {
        EmbeddedChannel channel = new EmbeddedChannel(new InboundHold());
        channel.writeInbound(Unpooled.copiedBuffer(new byte[] {1}));

        channel.pipeline().fireExceptionCaught(new java.io.IOException("Connection reset by peer"));

        assertThat(channel.isOpen()).isFalse();
        channel.checkException(); // nothing reached the tail
        channel.finishAndReleaseAll();
    }

    @Test
    void anErrorThatIsNotIoIsNotTheHoldsToHide() {
        EmbeddedChannel channel = new EmbeddedChannel(new InboundHold());

        channel.pipeline().fireExceptionCaught(new IllegalStateException("a bug"));

        assertThat(channel.isOpen()).isTrue();
        org.assertj.core.api.Assertions.assertThatThrownBy(channel::checkException).hasMessage("a bug");
        channel.finishAndReleaseAll();
    }

    @Test
    void nothingHeldMeansNothingReplayed() {
        InboundHold hold = new InboundHold();
        EmbeddedChannel channel = new EmbeddedChannel(hold);
        List<String> seen = new ArrayList<>();
        channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) {
                seen.add("complete");
            }
        });

        hold.release();

        assertThat(seen).isEmpty();
        channel.finishAndReleaseAll();
    }
}
