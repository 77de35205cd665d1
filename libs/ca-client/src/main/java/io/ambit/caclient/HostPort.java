package io.ambit.caclient;

import java.net.InetSocketAddress;

/** {@code host:port} settings (the CA's and the xDS server's addresses) to socket addresses, unresolved names kept as given. */
public final class HostPort {

    private HostPort() {
    }

    /** @throws IllegalArgumentException naming the setting's value when it is not {@code host:port} */
    public static InetSocketAddress parse(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException("not host:port: " + hostPort);
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not host:port: " + hostPort, e);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range in " + hostPort);
        }
        return new InetSocketAddress(hostPort.substring(0, colon), port);
    }
}
