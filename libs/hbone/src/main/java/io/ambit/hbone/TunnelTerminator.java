package io.ambit.hbone;

import io.netty.handler.codec.http2.Http2StreamChannel;

/**
 * Terminates an accepted HBONE tunnel in this process instead of relaying it to a TCP target:
 * the waypoint's seam, which speaks HTTP inside the tunnel itself. Called on the stream's event
 * loop once the server has answered 200; the stream has auto-read off and nothing has been read
 * past the CONNECT headers, so the terminator installs its handlers and starts reading without
 * losing a byte. DATA frames carry the tunnel's bytes; END_STREAM is the client's half-close.
 */
@FunctionalInterface
public interface TunnelTerminator {

    void terminate(ConnectRequest request, Http2StreamChannel stream);
}
