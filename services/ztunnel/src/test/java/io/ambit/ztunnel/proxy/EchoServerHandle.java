package io.ambit.ztunnel.proxy;

import java.io.IOException;
import java.net.InetSocketAddress;

import io.ambit.netns.NetNamespace;

/** An {@link EchoServer} whose listening socket lives inside a network namespace (a lab pod's application). */
public final class EchoServerHandle implements AutoCloseable {

    private final EchoServer server;

    private EchoServerHandle(EchoServer server) {
        this.server = server;
    }

    public static EchoServerHandle startIn(NetNamespace namespace, InetSocketAddress bind) throws Exception {
        return new EchoServerHandle(namespace.run(() -> new EchoServer(bind)));
    }

    public InetSocketAddress address() {
        return server.address();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
