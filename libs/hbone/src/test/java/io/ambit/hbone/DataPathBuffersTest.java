package io.ambit.hbone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

/** The data path's buffer sizes: defaults are Netty's, a bad property stops start-up with its name. */
class DataPathBuffersTest {

    private static DataPathBuffers from(Map<String, String> properties) {
        return DataPathBuffers.fromProperties(properties::get);
    }

    @Test
    void withoutPropertiesTheSizesAreNettysDefaults() {
        DataPathBuffers buffers = from(Map.of());
        assertThat(buffers.tcpReadBytes()).isEqualTo(AdaptiveRecvByteBufAllocator.DEFAULT_MAXIMUM);
        assertThat(buffers.tlsReadBytes()).isEqualTo(AdaptiveRecvByteBufAllocator.DEFAULT_MAXIMUM);
        assertThat(buffers.tlsWrapBytes()).isEqualTo(16_384); // SslHandler's MAX_PLAINTEXT_LENGTH
    }

    @Test
    void propertiesSetEachSize() {
        DataPathBuffers buffers = from(Map.of(DataPathBuffers.TCP_READ, "262144", DataPathBuffers.TLS_READ, " 131072 ",
                DataPathBuffers.TLS_WRAP, "65536"));
        assertThat(buffers.tcpReadBytes()).isEqualTo(262_144);
        assertThat(buffers.tlsReadBytes()).isEqualTo(131_072);
        assertThat(buffers.tlsWrapBytes()).isEqualTo(65_536);
    }

    @Test
    void aMalformedOrOutOfRangeValueNamesItsProperty() {
        assertThatThrownBy(() -> from(Map.of(DataPathBuffers.TCP_READ, "64k")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(DataPathBuffers.TCP_READ).hasMessageContaining("'64k'");
        assertThatThrownBy(() -> from(Map.of(DataPathBuffers.TLS_WRAP, "0")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(DataPathBuffers.TLS_WRAP);
        assertThatThrownBy(() -> from(Map.of(DataPathBuffers.TLS_READ, "-1")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(DataPathBuffers.TLS_READ);
        assertThatThrownBy(() -> from(Map.of(DataPathBuffers.TCP_READ, String.valueOf(DataPathBuffers.MAX_BYTES + 1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1048576");
    }

    /** A read never asks for more than the bound, and starts small (an idle or chatty connection holds no large buffer). */
    @Test
    void readsStartSmallAndGrowToTheBound() {
        RecvByteBufAllocator.Handle reads = from(Map.of(DataPathBuffers.TCP_READ, "262144")).tcpReads().newHandle();
        EmbeddedChannel channel = new EmbeddedChannel();
        reads.reset(channel.config());
        ByteBuf first = reads.allocate(UnpooledByteBufAllocator.DEFAULT);
        assertThat(first.capacity()).isEqualTo(2048);
        first.release();
        int guess = 0;
        for (int i = 0; i < 64; i++) { // full reads: the guess grows, up to the bound and no further
            reads.reset(channel.config());
            reads.lastBytesRead(reads.guess());
            reads.readComplete();
            guess = reads.guess();
        }
        assertThat(guess).isEqualTo(262_144);
        channel.finishAndReleaseAll();
    }
}
