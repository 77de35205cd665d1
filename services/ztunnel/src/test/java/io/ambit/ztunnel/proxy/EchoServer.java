package io.ambit.ztunnel.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP echo server on a given address, port 0: echoes every byte and, when the client half-closes,
 * finishes its echo and half-closes too. Remembers the peer address of each connection.
 */
final class EchoServer implements AutoCloseable {

    private final ServerSocket server;
    private final List<InetSocketAddress> peers = new CopyOnWriteArrayList<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();

    EchoServer(InetAddress address) throws IOException {
        this(new InetSocketAddress(address, 0));
    }

    EchoServer(InetSocketAddress bind) throws IOException {
        server = new ServerSocket();
        server.bind(bind);
        Thread.ofPlatform().daemon().name("echo-" + server.getLocalPort()).start(this::accept);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                peers.add((InetSocketAddress) socket.getRemoteSocketAddress());
                open.add(socket);
                Thread.ofPlatform().daemon().start(() -> echo(socket));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void echo(Socket socket) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            byte[] buffer = new byte[16 * 1024];
            for (int n; (n = in.read(buffer)) >= 0;) {
                out.write(buffer, 0, n);
                out.flush();
            }
            socket.shutdownOutput();
        } catch (IOException e) {
            // reset by the peer: nothing to echo any more
        } finally {
            open.remove(socket);
        }
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    int port() {
        return server.getLocalPort();
    }

    List<InetSocketAddress> peers() {
        return List.copyOf(peers);
    }

    /** Connections accepted and not yet ended. */
    int openConnections() {
        return open.size();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : open) {
            socket.close();
        }
    }
}
