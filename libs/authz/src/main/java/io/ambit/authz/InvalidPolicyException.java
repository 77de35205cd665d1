package io.ambit.authz;

/** A translated policy that cannot be read; the message names the field and the value. */
public final class InvalidPolicyException extends Exception {

    public InvalidPolicyException(String message) {
        super(message);
    }
}
