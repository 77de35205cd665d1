package io.ambit.hbone;

import java.util.Optional;

/**
 * How a relay ended: the bytes carried each way and, if it was cut short, why.
 *
 * @param fromFirst  bytes read from the first side and written to the second (for a {@link Relay}
 *                   the first side is the TCP connection; for a {@link TcpRelay}, the accepted one)
 * @param fromSecond bytes read from the second side and written to the first
 * @param error      why the relay was aborted, empty when both directions ended cleanly
 */
public record RelayResult(long fromFirst, long fromSecond, Optional<String> error) {
}
