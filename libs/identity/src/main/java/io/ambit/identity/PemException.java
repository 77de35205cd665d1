package io.ambit.identity;

/** PEM text that could not be read as what the caller asked for. */
public final class PemException extends IllegalArgumentException {
    public PemException(String message) {
        super(message);
    }

    public PemException(String message, Throwable cause) {
        super(message, cause);
    }
}
