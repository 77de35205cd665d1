package io.ambit.echo;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** Socket addresses as the echo program prints and parses them: {@code ip:port}, {@code [ip6]:port}. */
public final class Addresses {

    private Addresses() {
    }

    /** {@code 10.244.1.5:43122} or {@code [fd00::5]:43122}; never a host name. */
    public static String format(SocketAddress address) {
        if (!(address instanceof InetSocketAddress inet) || inet.getAddress() == null) {
            return String.valueOf(address);
        }
        InetAddress ip = inet.getAddress();
        String host = ip.getHostAddress();
        return (ip instanceof Inet6Address ? "[" + host + "]" : host) + ":" + inet.getPort();
    }

    /**
     * An IP literal, or {@code localhost} as the loopback address. Other names are refused: the
     * echo program never resolves names, so that it sends no DNS query out of a lab pod.
     */
    public static InetAddress literal(String host) throws EchoException.Usage {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (bare.equalsIgnoreCase("localhost")) {
            return InetAddress.getLoopbackAddress();
        }
        try {
            return InetAddress.ofLiteral(bare);
        } catch (IllegalArgumentException e) {
            throw new EchoException.Usage("'" + host + "' is not an IP address or localhost (the echo program does no DNS)");
        }
    }
}
