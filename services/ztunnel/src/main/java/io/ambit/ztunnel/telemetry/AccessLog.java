package io.ambit.ztunnel.telemetry;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per connection when it ends, in ztunnel's access-log shape (logger
 * {@code ambit.ztunnel.access}): {@code src.addr}, {@code src.workload}, {@code src.namespace},
 * {@code src.identity}, {@code dst.addr}, {@code dst.hbone_addr}, {@code dst.service},
 * {@code dst.workload}, {@code dst.namespace}, {@code dst.identity}, {@code direction},
 * {@code bytes_sent}, {@code bytes_recv}, {@code duration}, and {@code error} when it failed.
 * Values with spaces or quotes are quoted, so the line stays one key=value list for log tools.
 */
public final class AccessLog {

    private static final Logger log = LoggerFactory.getLogger("ambit.ztunnel.access");

    /**
     * @param direction  "inbound" or "outbound"
     * @param hboneAddress the inner target of an HBONE tunnel, if the connection used one
     */
    public record Entry(String direction, InetSocketAddress source, Peer sourcePeer, InetSocketAddress destination,
                        Optional<InetSocketAddress> hboneAddress, Optional<String> service, Peer destinationPeer,
                        long bytesSent, long bytesReceived, Duration duration, Optional<String> error) {
    }

    public static String line(Entry e) {
        StringBuilder line = new StringBuilder();
        field(line, "src.addr", address(e.source()));
        e.sourcePeer().workload().ifPresent(w -> {
            field(line, "src.workload", w.getName());
            field(line, "src.namespace", w.getNamespace());
        });
        e.sourcePeer().principal().ifPresent(p -> field(line, "src.identity", p));
        field(line, "dst.addr", address(e.destination()));
        e.hboneAddress().ifPresent(h -> field(line, "dst.hbone_addr", address(h)));
        e.service().ifPresent(s -> field(line, "dst.service", s));
        e.destinationPeer().workload().ifPresent(w -> {
            field(line, "dst.workload", w.getName());
            field(line, "dst.namespace", w.getNamespace());
        });
        e.destinationPeer().principal().ifPresent(p -> field(line, "dst.identity", p));
        field(line, "direction", e.direction());
        field(line, "bytes_sent", Long.toString(e.bytesSent()));
        field(line, "bytes_recv", Long.toString(e.bytesReceived()));
        field(line, "duration", e.duration().toMillis() + "ms");
        e.error().ifPresent(err -> field(line, "error", err));
        return line.toString();
    }

    public static void write(Entry entry) {
        if (entry.error().isPresent()) {
            log.warn("{}", line(entry));
        } else {
            log.info("{}", line(entry));
        }
    }

    private static String address(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    private static void field(StringBuilder line, String key, String value) {
        if (!line.isEmpty()) {
            line.append(' ');
        }
        line.append(key).append('=');
        boolean plain = !value.isEmpty() && value.chars().noneMatch(c -> c == ' ' || c == '"' || c == '=' || c < 0x20);
        if (plain) {
            line.append(value);
        } else {
            line.append('"').append(value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")).append('"');
        }
    }

    private AccessLog() {
    }
}
