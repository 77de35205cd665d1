package io.ambit.echo.server;

import java.net.SocketAddress;
import java.util.List;
import java.util.Map;

/**
 * An HTTP request as the server saw it, the same for HTTP/1.1 and HTTP/2 so that one
 * {@link EchoReply} answers both.
 *
 * @param url the request target as sent (path and query)
 * @param proto {@code HTTP/1.1}, {@code HTTP/1.0} or {@code HTTP/2.0}
 * @param host the {@code Host} header, or {@code :authority} on HTTP/2
 * @param headers in arrival order; HTTP/2 pseudo-headers left out
 */
record SeenRequest(String method, String url, String proto, String host, SocketAddress remote,
        SocketAddress local, List<Map.Entry<String, String>> headers) {

    SeenRequest {
        headers = List.copyOf(headers);
    }
}
