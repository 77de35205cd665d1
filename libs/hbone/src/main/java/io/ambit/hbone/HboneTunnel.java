package io.ambit.hbone;

import java.time.Duration;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http2.Http2StreamChannel;

/**
 * An open HBONE tunnel on the client side: the server answered 200, so the target is connected.
 * Auto-read is off and nothing has been read past the response, so the caller binds a
 * {@link Relay} (or its own handler) without losing a byte.
 */
public final class HboneTunnel {

    private final Http2StreamChannel stream;
    private final HboneConnection connection;

    HboneTunnel(Http2StreamChannel stream, HboneConnection connection) {
        this.stream = stream;
        this.connection = connection;
    }

    public Http2StreamChannel stream() {
        return stream;
    }

    /** The HTTP/2 connection carrying this tunnel (pooled tunnels may share it). */
    public HboneConnection connection() {
        return connection;
    }

    /** Relays between {@code tcp} (e.g. the captured outbound connection) and this tunnel. */
    public Relay relay(Channel tcp, Duration idleTimeout, RelayStats stats) {
        return Relay.bind(tcp, stream, idleTimeout, stats);
    }

    public ChannelFuture closeFuture() {
        return stream.closeFuture();
    }

    public void close() {
        stream.close();
    }
}
