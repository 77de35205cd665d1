package io.ambit.echo.client;

import java.util.Arrays;
import java.util.stream.Collectors;

import io.ambit.echo.EchoException;

/** What the client speaks, by its {@code --protocol} name. */
public enum Protocol {
    HTTP("http"),
    /** HTTP/2 over cleartext by prior knowledge (RFC 9113 §3.3): the client opens with the preface. */
    H2C("h2c"),
    GRPC("grpc"),
    TCP("tcp"),
    SERVER_FIRST("server-first");

    private final String flag;

    Protocol(String flag) {
        this.flag = flag;
    }

    public String flag() {
        return flag;
    }

    boolean isHttp() {
        return this == HTTP || this == H2C;
    }

    static Protocol parse(String text) throws EchoException.Usage {
        for (Protocol protocol : values()) {
            if (protocol.flag.equalsIgnoreCase(text)) {
                return protocol;
            }
        }
        throw new EchoException.Usage("--protocol must be one of "
                + Arrays.stream(values()).map(Protocol::flag).collect(Collectors.joining(", ")) + ", got '" + text + "'");
    }
}
