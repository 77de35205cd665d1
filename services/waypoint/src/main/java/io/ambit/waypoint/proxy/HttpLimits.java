package io.ambit.waypoint.proxy;

import java.time.Duration;

/**
 * Front-door limits of the HTTP/1.1 server inside each tunnel.
 *
 * @param maxRequestLine  longest request line (a longer URI is answered 414)
 * @param maxHeaderBytes  largest header block (larger is answered 431); Envoy's default max_request_headers_kb is 60
 * @param headerTimeout   once a request has begun, its headers must arrive within this (slow-loris): 408
 * @param idleTimeout     a tunnel with no request begun for this long is ended quietly (Envoy's idle_timeout, 1 h)
 */
public record HttpLimits(int maxRequestLine, int maxHeaderBytes, Duration headerTimeout, Duration idleTimeout) {

    public static HttpLimits defaults() {
        return new HttpLimits(16 * 1024, 60 * 1024, Duration.ofSeconds(10), Duration.ofHours(1));
    }
}
