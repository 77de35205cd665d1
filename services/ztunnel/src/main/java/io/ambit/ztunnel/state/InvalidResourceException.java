package io.ambit.ztunnel.state;

/**
 * A resource from xDS that ztunnel refuses; its message is the NACK reason, so it names the field
 * and the value and says what would be accepted.
 */
public final class InvalidResourceException extends Exception {

    public InvalidResourceException(String message) {
        super(message);
    }
}
