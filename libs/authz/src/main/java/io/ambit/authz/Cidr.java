package io.ambit.authz;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An IPv4 or IPv6 prefix. The address may carry host bits (istiod sends {@code 10.0.0.1/24} as
 * written); {@link #contains} masks them, as ztunnel's {@code IpNet::contains} does. An IPv4 address
 * is never inside an IPv6 prefix, nor the reverse, IPv4-mapped forms included.
 */
public final class Cidr {

    private final byte[] address;
    private final int length;

    private Cidr(byte[] address, int length) {
        this.address = address;
        this.length = length;
    }

    /** @throws IllegalArgumentException when the address is not 4 or 16 bytes or the length exceeds its bits */
    public static Cidr of(byte[] address, int length) {
        if (address.length != 4 && address.length != 16) {
            throw new IllegalArgumentException("address has " + address.length + " bytes; an IP has 4 or 16");
        }
        int bits = address.length * 8;
        if (length < 0 || length > bits) {
            throw new IllegalArgumentException("prefix length " + Integer.toUnsignedString(length) + " is out of range for "
                    + (bits == 32 ? "IPv4 (0-32)" : "IPv6 (0-128)"));
        }
        return new Cidr(address.clone(), length);
    }

    public static Cidr of(InetAddress address, int length) {
        return of(address.getAddress(), length);
    }

    public int length() {
        return length;
    }

    public boolean contains(InetAddress ip) {
        byte[] candidate = ip.getAddress();
        if (candidate.length != address.length) {
            return false;
        }
        int full = length / 8;
        for (int i = 0; i < full; i++) {
            if (candidate[i] != address[i]) {
                return false;
            }
        }
        int rest = length % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (candidate[full] & mask) == (address[full] & mask);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr other && length == other.length && Arrays.equals(address, other.address);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(address) + length;
    }

    @Override
    public String toString() {
        try {
            String host = InetAddress.getByAddress(address).getHostAddress();
            return (address.length == 16 && host.indexOf(':') < 0 ? "::ffff:" + host : host) + "/" + length;
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes always form an address", e);
        }
    }
}
