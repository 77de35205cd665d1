package io.ambit.hbone;

import java.time.Duration;

/**
 * HTTP/2 and timing settings shared by both ends of an HBONE connection. The defaults are
 * Istio ztunnel's ({@code src/config.rs}): a 4 MiB stream window, a 16 MiB connection window
 * (4x the stream window: enough for several busy streams without buffering without bound),
 * 1 MiB frames, 100 streams per pooled connection.
 *
 * @param streamWindow          initial per-stream receive window (SETTINGS_INITIAL_WINDOW_SIZE)
 * @param connectionWindow      connection-level receive window, raised by a WINDOW_UPDATE on stream 0
 * @param maxFrameSize          largest DATA frame we accept (SETTINGS_MAX_FRAME_SIZE)
 * @param maxConcurrentStreams  streams a peer may have open on one of our connections
 * @param maxHeaderListSize     largest header block we accept (SETTINGS_MAX_HEADER_LIST_SIZE)
 * @param connectTimeout        TCP connect timeout (to an HBONE server, or a server's upstream)
 * @param idleTimeout           a tunnel with no byte in either direction for this long is closed; zero disables
 */
public record HboneSettings(int streamWindow, int connectionWindow, int maxFrameSize, int maxConcurrentStreams,
        int maxHeaderListSize, Duration connectTimeout, Duration idleTimeout) {

    public static final int MIB = 1024 * 1024;
    /** HTTP/2's initial connection window before any WINDOW_UPDATE (RFC 9113 §6.9.2). */
    static final int DEFAULT_HTTP2_CONNECTION_WINDOW = 65_535;

    public HboneSettings {
        if (streamWindow <= 0 || connectionWindow < DEFAULT_HTTP2_CONNECTION_WINDOW) {
            throw new IllegalArgumentException("windows must be positive and the connection window at least 65535");
        }
        if (maxFrameSize < 16_384 || maxFrameSize > 16_777_215) {
            throw new IllegalArgumentException("maxFrameSize must be within 16384..16777215 (RFC 9113 §6.5.2)");
        }
        if (maxConcurrentStreams <= 0 || maxHeaderListSize <= 0) {
            throw new IllegalArgumentException("maxConcurrentStreams and maxHeaderListSize must be positive");
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero() || idleTimeout.isNegative()) {
            throw new IllegalArgumentException("connectTimeout must be positive and idleTimeout not negative");
        }
    }

    /**
     * ztunnel's server side: 200 concurrent streams and a 64 KiB header list (hyper's defaults,
     * which ztunnel keeps; HBONE's headers are few and small, so more only invites abuse).
     */
    public static HboneSettings serverDefaults() {
        return new HboneSettings(4 * MIB, 16 * MIB, MIB, 200, 64 * 1024, Duration.ofSeconds(10), Duration.ZERO);
    }

    /** ztunnel's client side: 100 streams per connection, a 16 KiB header list for responses. */
    public static HboneSettings clientDefaults() {
        return new HboneSettings(4 * MIB, 16 * MIB, MIB, 100, 16 * 1024, Duration.ofSeconds(10), Duration.ZERO);
    }

    public HboneSettings withIdleTimeout(Duration timeout) {
        return new HboneSettings(streamWindow, connectionWindow, maxFrameSize, maxConcurrentStreams,
                maxHeaderListSize, connectTimeout, timeout);
    }

    public HboneSettings withConnectTimeout(Duration timeout) {
        return new HboneSettings(streamWindow, connectionWindow, maxFrameSize, maxConcurrentStreams,
                maxHeaderListSize, timeout, idleTimeout);
    }

    public HboneSettings withMaxConcurrentStreams(int streams) {
        return new HboneSettings(streamWindow, connectionWindow, maxFrameSize, streams, maxHeaderListSize,
                connectTimeout, idleTimeout);
    }
}
