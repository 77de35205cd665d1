package io.ambit.bench.ztunnel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * TCP echo: writes back every byte it reads, as soon as it reads it. The latency client's
 * request/response partner; it knows nothing of message sizes, so any size works.
 *
 * <p>Blocking sockets and one platform thread per connection, on purpose: the client holds a few
 * persistent connections, and a thread blocked in {@code read} answers sooner than any event loop.
 *
 * <p>Arguments: port [bind address, default 0.0.0.0].
 */
public final class EchoServer {

    private EchoServer() {
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        InetAddress bind = InetAddress.ofLiteral(args.length > 1 ? args[1] : "0.0.0.0");
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(bind, port), 128);
            System.out.println("echo server listening on " + server.getLocalSocketAddress());
            while (true) {
                Socket socket = server.accept();
                Thread.ofPlatform().daemon().name("echo-" + socket.getRemoteSocketAddress()).start(() -> echo(socket));
            }
        }
    }

    private static void echo(Socket socket) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            socket.setTcpNoDelay(true);
            byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
            }
        } catch (IOException e) {
            // the peer went away (a reset at the end of a run is normal); nothing to clean up
        }
    }
}
