package io.ambit.echo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * HTTP/1.1 written by hand on a plain socket, for requests no client library would send and for
 * knowing the exact local port the server should report.
 */
final class RawHttp implements AutoCloseable {

    record Response(int status, String head, String body) {
    }

    private final Socket socket;
    private final InputStream in;

    RawHttp(InetSocketAddress server) throws IOException {
        socket = new Socket();
        socket.connect(server, 10_000);
        socket.setSoTimeout(30_000);
        in = socket.getInputStream();
    }

    int localPort() {
        return socket.getLocalPort();
    }

    void send(String request) throws IOException {
        socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
    }

    /** Reads one response: the head up to the blank line, then content-length bytes. */
    Response read() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed inside the response head: " + head.toString(StandardCharsets.ISO_8859_1));
            }
            head.write(b);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(line.indexOf(':') + 1).strip());
            }
        }
        byte[] body = in.readNBytes(length);
        int status = Integer.parseInt(text.split(" ")[1]);
        return new Response(status, text, new String(body, StandardCharsets.ISO_8859_1));
    }

    /** True when the server has closed the connection (reads end of stream). */
    boolean closedByServer() throws IOException {
        return in.read() < 0;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
