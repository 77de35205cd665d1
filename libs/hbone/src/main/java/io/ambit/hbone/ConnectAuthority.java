package io.ambit.hbone;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

import io.netty.util.NetUtil;

/**
 * Parses an HBONE {@code :authority}: an IP literal and a port ({@code 10.0.0.1:8080},
 * {@code [fd00::1]:8080}). HBONE never carries host names (ztunnel's {@code HboneAddress} is a
 * socket address), so nothing here resolves DNS: a name is malformed, not looked up.
 */
public final class ConnectAuthority {

    private ConnectAuthority() {
    }

    public static InetSocketAddress parse(String authority) {
        if (authority == null || authority.isEmpty()) {
            throw new InvalidAuthorityException(authority, "it is empty");
        }
        int colon = authority.lastIndexOf(':');
        if (colon <= 0 || colon == authority.length() - 1) {
            throw new InvalidAuthorityException(authority, "expected ip:port");
        }
        String host = authority.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw new InvalidAuthorityException(authority, "an IPv6 address must be in brackets");
        }
        byte[] ip = NetUtil.createByteArrayFromIpAddressString(host);
        if (ip == null) {
            throw new InvalidAuthorityException(authority, "'" + host + "' is not an IP address");
        }
        int port = parsePort(authority, authority.substring(colon + 1));
        try {
            return new InetSocketAddress(InetAddress.getByAddress(ip), port);
        } catch (UnknownHostException e) {
            throw new InvalidAuthorityException(authority, "bad address length");
        }
    }

    /** The authority a client sends for a target: brackets around IPv6. */
    public static String format(InetSocketAddress target) {
        return NetUtil.toSocketAddressString(target);
    }

    private static int parsePort(String authority, String text) {
        if (text.length() > 5 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new InvalidAuthorityException(authority, "port '" + text + "' is not a number");
        }
        int port = Integer.parseInt(text);
        if (port < 1 || port > 65_535) {
            throw new InvalidAuthorityException(authority, "port " + port + " is out of range");
        }
        return port;
    }

    /** The {@code :authority} of a CONNECT is not {@code ip:port}; the server answers 400. */
    public static final class InvalidAuthorityException extends IllegalArgumentException {
        InvalidAuthorityException(String authority, String why) {
            super("invalid HBONE authority '" + authority + "': " + why);
        }
    }
}
