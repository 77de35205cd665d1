package io.ambit.echo.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * TCP echo and server-speaks-first, one connection per call: (server-first: read the banner line
 * before sending anything,) send the message, half-close, read the echo until the server's FIN.
 * Succeeds when the echo equals the message (and the banner starts with {@code HELLO }).
 */
final class TcpCaller implements Caller {

    /** A banner longer than this is not the echo server's. */
    static final int MAX_BANNER = 4096;
    /** Stop reading an echo that is longer than anything sent. */
    static final int MAX_ECHO = 16 << 20;

    private final ClientOptions options;
    private final byte[] message;
    private final boolean serverFirst;

    TcpCaller(ClientOptions options) {
        this.options = options;
        this.message = options.message().getBytes(StandardCharsets.UTF_8);
        this.serverFirst = options.protocol() == Protocol.SERVER_FIRST;
    }

    @Override
    public Exchange call() {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        long deadline = System.nanoTime() + options.timeout().toNanos();
        String step = "connect " + options.target();
        try (Socket socket = options.socks().map(s -> new Socket(new java.net.Proxy(java.net.Proxy.Type.SOCKS, s)))
                .orElseGet(Socket::new)) {
            socket.connect(options.target().socketAddress(), remainingMillis(deadline));
            InputStream in = socket.getInputStream();
            if (serverFirst) {
                step = "read the banner";
                String banner = readBanner(socket, in, received, deadline);
                if (banner == null) {
                    return Exchange.failed(received.toByteArray(), "connection closed before the banner line ended");
                }
                if (!banner.startsWith("HELLO ")) {
                    return Exchange.failed(received.toByteArray(), "the banner does not start with HELLO");
                }
            }
            step = "send";
            socket.getOutputStream().write(message);
            socket.shutdownOutput();
            step = "read the echo";
            int echoStart = received.size();
            byte[] chunk = new byte[8192];
            while (received.size() - echoStart <= MAX_ECHO) {
                socket.setSoTimeout(remainingMillis(deadline));
                int n = in.read(chunk);
                if (n < 0) {
                    break;
                }
                received.write(chunk, 0, n);
            }
            byte[] all = received.toByteArray();
            byte[] echo = Arrays.copyOfRange(all, echoStart, all.length);
            if (!Arrays.equals(echo, message)) {
                return Exchange.failed(all, "the echo (" + echo.length + " bytes) differs from the message sent ("
                        + message.length + " bytes)");
            }
            return Exchange.ok(all);
        } catch (SocketTimeoutException e) {
            return Exchange.failed(received.toByteArray(), step + ": timed out after " + Caller.describe(options.timeout()));
        } catch (IOException e) {
            return Exchange.failed(received.toByteArray(), step + ": " + Caller.reason(e));
        }
    }

    /** The banner line, newline included, or null when the server closed first. */
    private static String readBanner(Socket socket, InputStream in, ByteArrayOutputStream received, long deadline)
            throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (line.size() < MAX_BANNER) {
            socket.setSoTimeout(remainingMillis(deadline));
            int b = in.read();
            if (b < 0) {
                return null;
            }
            line.write(b);
            received.write(b);
            if (b == '\n') {
                return line.toString(StandardCharsets.UTF_8);
            }
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    private static int remainingMillis(long deadline) throws SocketTimeoutException {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
            throw new SocketTimeoutException();
        }
        return (int) Math.min(Integer.MAX_VALUE, left);
    }

    @Override
    public void close() {
    }
}
