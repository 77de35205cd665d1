package io.ambit.xds.translate;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import io.ambit.proto.security.Address;
import io.ambit.proto.security.ServiceAccountMatch;
import io.ambit.proto.security.StringMatch;

/**
 * The value forms of AuthorizationPolicy that ztunnel can enforce, parsed strictly. Each parser
 * answers empty for a value it refuses; the caller decides how to fail closed.
 */
final class L4Values {

    private L4Values() {
    }

    /** Istio's wildcard forms: {@code *} any non-empty value, {@code *x} suffix, {@code x*} prefix, else exact. Never a regex. */
    static StringMatch string(String value) {
        StringMatch.Builder match = StringMatch.newBuilder();
        if (value.equals("*")) {
            return match.setPresence(Empty.getDefaultInstance()).build();
        }
        if (value.startsWith("*")) {
            return match.setSuffix(value.substring(1)).build();
        }
        if (value.endsWith("*")) {
            return match.setPrefix(value.substring(0, value.length() - 1)).build();
        }
        return match.setExact(value).build();
    }

    /** A destination port, 1..65535, decimal digits only. */
    static Optional<Integer> port(String value) {
        if (value == null || value.isEmpty() || value.length() > 5 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return Optional.empty();
        }
        int port = Integer.parseInt(value);
        return port >= 1 && port <= 65535 ? Optional.of(port) : Optional.empty();
    }

    /** {@code ns/sa}, or {@code sa} meaning the policy's own namespace (as Istio reads it). */
    static Optional<ServiceAccountMatch> serviceAccount(String value, String policyNamespace) {
        if (value == null || value.isEmpty()) {
            return Optional.empty();
        }
        String[] parts = value.split("/", -1);
        if (parts.length > 2 || parts[parts.length - 1].isEmpty() || parts[0].isEmpty()) {
            return Optional.empty();
        }
        String namespace = parts.length == 2 ? parts[0] : policyNamespace;
        return Optional.of(ServiceAccountMatch.newBuilder().setNamespace(namespace).setServiceAccount(parts[parts.length - 1]).build());
    }

    /**
     * A CIDR or a bare address (a host prefix). The address keeps its host bits, as Istio sends
     * it; ztunnel masks when it matches.
     */
    static Optional<Address> cidr(String value) {
        if (value == null || value.isEmpty()) {
            return Optional.empty();
        }
        int slash = value.indexOf('/');
        String host = slash < 0 ? value : value.substring(0, slash);
        Optional<byte[]> bytes = ip(host);
        if (bytes.isEmpty()) {
            return Optional.empty();
        }
        int bits = bytes.get().length * 8;
        int length = bits;
        if (slash >= 0) {
            String prefix = value.substring(slash + 1);
            if (prefix.isEmpty() || prefix.length() > 3 || !prefix.chars().allMatch(c -> c >= '0' && c <= '9')
                    || (prefix.length() > 1 && prefix.charAt(0) == '0')) {
                return Optional.empty();
            }
            length = Integer.parseInt(prefix);
            if (length > bits) {
                return Optional.empty();
            }
        }
        return Optional.of(Address.newBuilder().setAddress(ByteString.copyFrom(bytes.get())).setLength(length).build());
    }

    /**
     * An IPv4 dotted quad (no leading zeros, exactly four parts: the JDK would read {@code 1.2.3}
     * as 1.2.0.3) or an IPv6 literal without a zone. Never a DNS lookup.
     */
    static Optional<byte[]> ip(String value) {
        if (value.indexOf(':') >= 0) {
            if (value.indexOf('%') >= 0 || !value.chars().allMatch(c -> c == ':' || c == '.' || Character.digit(c, 16) >= 0)) {
                return Optional.empty();
            }
            try {
                byte[] bytes = InetAddress.getByName(value).getAddress();
                if (bytes.length == 4) {
                    // The JDK folds ::ffff:a.b.c.d to IPv4; keep the 16 bytes that were written.
                    byte[] mapped = new byte[16];
                    mapped[10] = (byte) 0xff;
                    mapped[11] = (byte) 0xff;
                    System.arraycopy(bytes, 0, mapped, 12, 4);
                    return Optional.of(mapped);
                }
                return Optional.of(bytes);
            } catch (UnknownHostException e) {
                return Optional.empty();
            }
        }
        String[] parts = value.split("\\.", -1);
        if (parts.length != 4) {
            return Optional.empty();
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            String part = parts[i];
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(c -> c >= '0' && c <= '9')
                    || (part.length() > 1 && part.charAt(0) == '0')) {
                return Optional.empty();
            }
            int octet = Integer.parseInt(part);
            if (octet > 255) {
                return Optional.empty();
            }
            bytes[i] = (byte) octet;
        }
        return Optional.of(bytes);
    }
}
