package io.ambit.hbone;

/**
 * The HBONE connection could not be made (TCP, TLS handshake, ALPN), or the connection or stream
 * ended before the server answered. The cause says which; a handshake refused because the server
 * presented an unexpected identity carries the {@link javax.net.ssl.SSLHandshakeException}.
 */
public final class HboneConnectionException extends HboneException {

    public HboneConnectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
