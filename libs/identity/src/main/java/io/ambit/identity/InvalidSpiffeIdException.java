package io.ambit.identity;

/** A string that is not a valid SPIFFE ID; the message names the rule it broke. */
public final class InvalidSpiffeIdException extends IllegalArgumentException {
    public InvalidSpiffeIdException(String message) {
        super(message);
    }
}
