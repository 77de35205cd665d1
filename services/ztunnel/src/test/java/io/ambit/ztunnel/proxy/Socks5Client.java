package io.ambit.ztunnel.proxy;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A blocking SOCKS5 client (no authentication, CONNECT) for tests: what a demo application does. */
final class Socks5Client {

    private Socks5Client() {
    }

    /** Connects through the proxy; returns the socket after a SUCCEEDED reply, or throws with the reply code. */
    static Socket connect(InetSocketAddress proxy, InetSocketAddress target) throws IOException {
        return connect(proxy, request(target));
    }

    static Socket connect(InetSocketAddress proxy, String host, int port) throws IOException {
        byte[] name = host.getBytes(StandardCharsets.US_ASCII);
        byte[] request = new byte[7 + name.length];
        request[0] = 5;
        request[1] = 1;
        request[3] = 3;
        request[4] = (byte) name.length;
        System.arraycopy(name, 0, request, 5, name.length);
        request[5 + name.length] = (byte) (port >> 8);
        request[6 + name.length] = (byte) port;
        return connect(proxy, request);
    }

    private static byte[] request(InetSocketAddress target) {
        byte[] ip = target.getAddress().getAddress();
        byte[] request = new byte[6 + ip.length];
        request[0] = 5;
        request[1] = 1;
        request[3] = (byte) (ip.length == 4 ? 1 : 4);
        System.arraycopy(ip, 0, request, 4, ip.length);
        request[4 + ip.length] = (byte) (target.getPort() >> 8);
        request[5 + ip.length] = (byte) target.getPort();
        return request;
    }

    private static Socket connect(InetSocketAddress proxy, byte[] request) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setSoTimeout(20_000);
            socket.connect(proxy, 5_000);
            socket.getOutputStream().write(new byte[] {5, 1, 0});
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] method = new byte[2];
            in.readFully(method);
            if (method[0] != 5 || method[1] != 0) {
                throw new IOException("SOCKS5 method refused: " + method[1]);
            }
            socket.getOutputStream().write(request);
            byte[] head = new byte[4];
            in.readFully(head);
            int addressLength = head[3] == 1 ? 4 : 16;
            in.readFully(new byte[addressLength + 2]);
            if (head[1] != 0) {
                throw new ReplyException(head[1]);
            }
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** The proxy answered with a failure code (RFC 1928 §6). */
    static final class ReplyException extends IOException {
        final int code;

        ReplyException(int code) {
            super("SOCKS5 reply " + code);
            this.code = code;
        }
    }
}
