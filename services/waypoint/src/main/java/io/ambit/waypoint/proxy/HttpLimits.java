package io.ambit.waypoint.proxy;

import java.time.Duration;

/**
 * Front-door limits of the HTTP/1.1 server inside each tunnel.
 *
 * @param maxRequestLine  longest request line (a longer URI is answered 414)
 * @param maxHeaderBytes  largest header block (larger is answered 431); Envoy's default max_request_headers_kb is 60
 * @param headerTimeout   a request's headers must arrive within this (slow-loris); Envoy's request_headers_timeout
 */
public record HttpLimits(int maxRequestLine, int maxHeaderBytes, Duration headerTimeout) {

    public static HttpLimits defaults() {
        return new HttpLimits(16 * 1024, 60 * 1024, Duration.ofSeconds(10));
    }
}
