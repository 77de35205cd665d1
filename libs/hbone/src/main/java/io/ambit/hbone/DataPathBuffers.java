package io.ambit.hbone;

import org.slf4j.LoggerFactory;

import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.handler.ssl.SslHandler;

/**
 * How many bytes the data path moves per step: per read system call on a plain TCP side (the pod's
 * connection, the upstream), per read on an HBONE connection (TLS records), and per TLS wrap.
 * Each step costs a fixed amount (a system call, an epoll round, a flush, a JNI call into
 * BoringSSL), so on a bulk stream fewer, larger steps cost less CPU per byte (issue 12). Reads
 * stay adaptive (they start at 2 KiB and grow only while reads fill the buffer), so a connection
 * carrying small requests never holds a large buffer.
 *
 * <p>System properties, read once, so that a benchmark compares two settings with the same jars
 * (bench/README.md); a bad value stops start-up with a message naming the property:
 * {@code ambit.hbone.tcp-read-bytes}, {@code ambit.hbone.tls-read-bytes} (largest read, Netty's
 * default 65,536), {@code ambit.hbone.tls-wrap-bytes} (plaintext per {@code SSLEngine.wrap}, Netty's
 * default 16,384; BoringSSL still cuts records at 16 KiB, RFC 8446 §5.1).
 */
public final class DataPathBuffers {

    static final String TCP_READ = "ambit.hbone.tcp-read-bytes";
    static final String TLS_READ = "ambit.hbone.tls-read-bytes";
    static final String TLS_WRAP = "ambit.hbone.tls-wrap-bytes";
    /** Netty's {@link AdaptiveRecvByteBufAllocator} bounds: smallest and first read. */
    private static final int MIN_READ = 64;
    private static final int FIRST_READ = 2048;
    /** Above this a read buffer or a wrap would exceed a pooled chunk (jvm.options: 2 MiB) and be unpooled. */
    static final int MAX_BYTES = 1024 * 1024;

    private static final DataPathBuffers CURRENT = fromProperties(System::getProperty);

    static {
        // Once per JVM, so a benchmark's log shows which setting it measured.
        LoggerFactory.getLogger(DataPathBuffers.class).info("HBONE data path: {}", CURRENT);
    }

    private final int tcpReadBytes;
    private final int tlsReadBytes;
    private final int tlsWrapBytes;

    DataPathBuffers(int tcpReadBytes, int tlsReadBytes, int tlsWrapBytes) {
        this.tcpReadBytes = check(TCP_READ, tcpReadBytes, FIRST_READ);
        this.tlsReadBytes = check(TLS_READ, tlsReadBytes, FIRST_READ);
        this.tlsWrapBytes = check(TLS_WRAP, tlsWrapBytes, 1024);
    }

    /** The settings of this JVM (system properties, else Netty's defaults). */
    public static DataPathBuffers current() {
        return CURRENT;
    }

    static DataPathBuffers fromProperties(java.util.function.UnaryOperator<String> properties) {
        return new DataPathBuffers(parse(properties, TCP_READ, 65_536), parse(properties, TLS_READ, 65_536),
                parse(properties, TLS_WRAP, 16_384));
    }

    private static int parse(java.util.function.UnaryOperator<String> properties, String name, int fallback) {
        String value = properties.apply(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("system property " + name + " must be a number of bytes, not '" + value + "'");
        }
    }

    private static int check(String name, int bytes, int min) {
        if (bytes < min || bytes > MAX_BYTES) {
            throw new IllegalArgumentException("system property " + name + " must be within " + min + ".." + MAX_BYTES
                    + " bytes, not " + bytes);
        }
        return bytes;
    }

    /** For a plain TCP side of a relay (pod or upstream connection). */
    public RecvByteBufAllocator tcpReads() {
        return new AdaptiveRecvByteBufAllocator(MIN_READ, FIRST_READ, tcpReadBytes);
    }

    /** For an HBONE (TLS) connection. */
    public RecvByteBufAllocator tlsReads() {
        return new AdaptiveRecvByteBufAllocator(MIN_READ, FIRST_READ, tlsReadBytes);
    }

    /** Sets the read sizes of a plain TCP side of a relay. */
    public void applyToTcp(Channel channel) {
        channel.config().setOption(ChannelOption.RCVBUF_ALLOCATOR, tcpReads());
    }

    /** Sets an HBONE connection's read size and its TLS handler's wrap size. */
    public SslHandler applyToTls(Channel channel, SslHandler tls) {
        channel.config().setOption(ChannelOption.RCVBUF_ALLOCATOR, tlsReads());
        tls.setWrapDataSize(tlsWrapBytes);
        return tls;
    }

    int tcpReadBytes() {
        return tcpReadBytes;
    }

    int tlsReadBytes() {
        return tlsReadBytes;
    }

    int tlsWrapBytes() {
        return tlsWrapBytes;
    }

    @Override
    public String toString() {
        return "reads of up to " + tcpReadBytes + " B (TCP) and " + tlsReadBytes + " B (TLS), TLS wraps of "
                + tlsWrapBytes + " B";
    }
}
