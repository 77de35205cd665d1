package io.ambit.hbone;

/**
 * The HBONE server answered the CONNECT with a status other than 200: 400 (malformed request or
 * target not served here), 401 (policy denied the client), 503 (the target did not accept).
 */
public final class TunnelRefusedException extends HboneException {

    private final int status;
    private final String authority;

    public TunnelRefusedException(String authority, int status) {
        super("HBONE server refused CONNECT " + authority + " with status " + status + " (" + reason(status) + ")",
                null);
        this.status = status;
        this.authority = authority;
    }

    public int status() {
        return status;
    }

    public String authority() {
        return authority;
    }

    private static String reason(int status) {
        return switch (status) {
            case 400 -> "malformed request, or the target is not served by this HBONE server";
            case 401 -> "authorization policy denied this client";
            case 503 -> "the target did not accept the connection";
            default -> "unexpected status";
        };
    }
}
