package io.ambit.identity;

/** An X.509 chain that is not a valid X.509-SVID for a trust domain; {@link #reason()} says why. */
public final class SvidValidationException extends RuntimeException {

    public enum Reason {
        EMPTY_CHAIN,
        MALFORMED,
        NO_URI_SAN,
        MULTIPLE_URI_SANS,
        INVALID_SPIFFE_ID,
        LEAF_IS_CA,
        LEAF_CAN_SIGN_CERTIFICATES,
        WRONG_TRUST_DOMAIN,
        EXPIRED,
        NOT_YET_VALID,
        UNTRUSTED_ISSUER,
    }

    private final Reason reason;

    public SvidValidationException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
