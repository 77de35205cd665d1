package io.ambit.echo.client;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

import io.ambit.echo.Addresses;
import io.ambit.echo.EchoException;

/**
 * Where the client connects: {@code http://ip:port/path?query} for HTTP and h2c,
 * {@code ip:port} (or {@code tcp://}, {@code grpc://}) for the others. Hosts are IP literals or
 * {@code localhost}; nothing is resolved.
 *
 * @param authority the host and port as written, sent as {@code Host} / {@code :authority}
 * @param path the path and query for HTTP, {@code /} when the URL has none
 * @param scheme the URL's scheme, or null when the target was a bare {@code host:port}
 */
record Target(InetAddress ip, int port, String authority, String path, String scheme) {

    InetSocketAddress socketAddress() {
        return new InetSocketAddress(ip, port);
    }

    static Target parse(String text) throws EchoException.Usage {
        boolean bare = !text.contains("://");
        URI uri;
        try {
            uri = new URI(bare ? "tcp://" + text : text);
        } catch (URISyntaxException e) {
            throw new EchoException.Usage("target '" + text + "' is not a URL or host:port: " + e.getReason());
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        if (uri.getHost() == null) {
            throw new EchoException.Usage("target '" + text + "' names no host");
        }
        int port = uri.getPort();
        if (port < 0) {
            if (!scheme.equals("http")) {
                throw new EchoException.Usage("target '" + text + "' needs a port");
            }
            port = 80;
        }
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) {
            path += "?" + uri.getRawQuery();
        }
        return new Target(Addresses.literal(uri.getHost()), port, uri.getRawAuthority(), path, bare ? null : scheme);
    }

    @Override
    public String toString() {
        return Addresses.format(socketAddress());
    }
}
