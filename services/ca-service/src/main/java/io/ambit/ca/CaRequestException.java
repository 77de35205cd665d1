package io.ambit.ca;

import io.grpc.Status;

/**
 * A certificate request the CA refuses. The kind maps to the gRPC status the caller sees; the
 * reason is a short stable token for metrics and the audit log; the message tells the caller what
 * to fix. Nothing is signed when one is thrown.
 */
public final class CaRequestException extends RuntimeException {

    public enum Kind {
        UNAUTHENTICATED(Status.Code.UNAUTHENTICATED),
        PERMISSION_DENIED(Status.Code.PERMISSION_DENIED),
        INVALID_ARGUMENT(Status.Code.INVALID_ARGUMENT),
        UNAVAILABLE(Status.Code.UNAVAILABLE);

        final Status.Code code;

        Kind(Status.Code code) {
            this.code = code;
        }
    }

    private final Kind kind;
    private final String reason;

    public CaRequestException(Kind kind, String reason, String message) {
        super(message);
        this.kind = kind;
        this.reason = reason;
    }

    public static CaRequestException invalid(String reason, String message) {
        return new CaRequestException(Kind.INVALID_ARGUMENT, reason, message);
    }

    public static CaRequestException denied(String reason, String message) {
        return new CaRequestException(Kind.PERMISSION_DENIED, reason, message);
    }

    public static CaRequestException unauthenticated(String reason, String message) {
        return new CaRequestException(Kind.UNAUTHENTICATED, reason, message);
    }

    public Kind kind() {
        return kind;
    }

    public String reason() {
        return reason;
    }

    public Status status() {
        return Status.fromCode(kind.code).withDescription(getMessage());
    }
}
