package io.ambit.meshctl;

/** What meshctl tells the operator instead of a stack trace; {@code exitCode} 1 for a failure, as istioctl. */
public final class MeshctlException extends RuntimeException {

    private final int exitCode;

    public MeshctlException(String message) {
        this(message, 1);
    }

    public MeshctlException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
