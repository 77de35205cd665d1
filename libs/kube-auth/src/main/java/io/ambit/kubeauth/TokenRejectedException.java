package io.ambit.kubeauth;

/** The token proves nothing; {@link #reason()} says why in a word, the message in a sentence the caller may see. */
public final class TokenRejectedException extends RuntimeException {

    public enum Reason {
        /** The API server could not be asked: try again (not the caller's fault). */
        REVIEW_FAILED("token_review_failed"),
        /** The API server did not authenticate the token. */
        INVALID("token_invalid"),
        /** Authenticated, but for another audience. */
        WRONG_AUDIENCE("token_audience"),
        /** Authenticated, but not a ServiceAccount's (or an account name that gives no identity). */
        NOT_SERVICE_ACCOUNT("token_not_service_account");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        /** A stable label for metrics and audit lines. */
        public String code() {
            return code;
        }
    }

    private final Reason reason;

    public TokenRejectedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
