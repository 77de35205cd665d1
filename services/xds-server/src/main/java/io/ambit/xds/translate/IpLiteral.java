package io.ambit.xds.translate;

import java.net.InetAddress;

/** IPv4/IPv6 literals, parsed without ever asking DNS. */
final class IpLiteral {

    private IpLiteral() {
    }

    static boolean is(String ip) {
        try {
            bytes(ip);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * IPv4 only as a dotted quad (Kubernetes' form; the JDK would also take {@code 10.1} or
     * {@code 10}), IPv6 without a zone. {@code InetAddress.ofLiteral} never falls back to DNS.
     */
    static byte[] bytes(String ip) {
        if (ip == null || ip.isEmpty() || ip.indexOf('%') >= 0 || ip.indexOf('/') >= 0) {
            throw new IllegalArgumentException("not an IP address literal: " + ip);
        }
        if (ip.indexOf(':') < 0 && !DOTTED_QUAD.matcher(ip).matches()) {
            throw new IllegalArgumentException("not an IP address literal: " + ip);
        }
        try {
            return InetAddress.ofLiteral(ip).getAddress();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not an IP address literal: " + ip, e);
        }
    }

    private static final java.util.regex.Pattern DOTTED_QUAD =
            java.util.regex.Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
}
