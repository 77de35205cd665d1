package io.ambit.ztunnel.socks;

/** RFC 1928 §6 reply codes the proxy uses. */
public enum Socks5Reply {
    SUCCEEDED(0x00),
    GENERAL_FAILURE(0x01),
    NOT_ALLOWED(0x02),
    HOST_UNREACHABLE(0x04),
    CONNECTION_REFUSED(0x05),
    COMMAND_NOT_SUPPORTED(0x07),
    ADDRESS_TYPE_NOT_SUPPORTED(0x08);

    final int code;

    Socks5Reply(int code) {
        this.code = code;
    }
}
