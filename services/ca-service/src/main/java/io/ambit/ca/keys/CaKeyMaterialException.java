package io.ambit.ca.keys;

/** CA key material that cannot be used; the CA refuses to start and says why. */
public final class CaKeyMaterialException extends IllegalStateException {
    public CaKeyMaterialException(String message) {
        super(message);
    }

    public CaKeyMaterialException(String message, Throwable cause) {
        super(message, cause);
    }
}
