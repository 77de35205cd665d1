package io.ambit.ztunnel.proxy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/** {@link Socks5Client} for tests in other packages. */
public final class Socks5Clients {

    private Socks5Clients() {
    }

    public static Socket connect(InetSocketAddress proxy, String host, int port) throws IOException {
        return Socks5Client.connect(proxy, host, port);
    }
}
