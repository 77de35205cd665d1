package io.ambit.tls;

/** TLS could not be set up: BoringSSL missing, or key material that BoringSSL refuses. */
public final class TlsSetupException extends IllegalStateException {
    public TlsSetupException(String message, Throwable cause) {
        super(message, cause);
    }
}
