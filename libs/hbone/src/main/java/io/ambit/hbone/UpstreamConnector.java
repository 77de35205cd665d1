package io.ambit.hbone;

import java.net.InetSocketAddress;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;

/**
 * How an HBONE server reaches a CONNECT target. The default is a plain TCP connect
 * ({@link TcpUpstreamConnector}); ztunnel's in-pod mode will plug in one that opens the socket
 * inside the destination pod's network namespace (ztunnel's {@code SocketFactory} seam).
 */
@FunctionalInterface
public interface UpstreamConnector {

    /**
     * Connects to {@code target} on {@code loop} (the HTTP/2 connection's loop, so the relay stays
     * on one thread). The returned channel must be a connected {@link io.netty.channel.socket.DuplexChannel}
     * with auto-read off, nothing reading in its pipeline and an {@link InboundHold} first.
     */
    Future<Channel> connect(EventLoop loop, InetSocketAddress target, ConnectRequest request);
}
