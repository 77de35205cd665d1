package io.ambit.netns;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

import io.netty.channel.epoll.EpollSocketChannel;

/**
 * Where a redirected connection was going before REDIRECT rewrote it: conntrack keeps the
 * original tuple and hands it out through {@code SO_ORIGINAL_DST}. This is how the 15001 and
 * 15006 listeners learn the real destination of what they accept.
 */
public final class OriginalDestination {

    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int SOCKADDR_IN = 16;
    private static final int SOCKADDR_IN6 = 28;

    private OriginalDestination() {
    }

    /**
     * The original destination of an accepted connection. ENOENT means conntrack has no entry
     * (e.g. the connection was not tracked by netfilter at all).
     */
    public static InetSocketAddress of(EpollSocketChannel channel) throws SyscallException {
        InetSocketAddress local = channel.localAddress();
        int fd = channel.fd().intValue();
        // IPv4 connections accepted by a dual-stack listener are reported as IPv4 by Netty and are
        // tracked by IPv4 conntrack, so the local address's family picks the option level.
        if (local == null || local.getAddress() instanceof Inet4Address) {
            return parse(LinuxSyscalls.getOption(fd, LinuxSyscalls.SOL_IP, LinuxSyscalls.SO_ORIGINAL_DST, SOCKADDR_IN));
        }
        return parse(LinuxSyscalls.getOption(fd, LinuxSyscalls.SOL_IPV6, LinuxSyscalls.SO_ORIGINAL_DST, SOCKADDR_IN6));
    }

    /**
     * A {@code struct sockaddr_in} / {@code sockaddr_in6} as the kernel writes it: family in host
     * byte order (little-endian on the platforms we ship), port and address in network order.
     */
    static InetSocketAddress parse(byte[] sockaddr) {
        if (sockaddr.length < 2) {
            throw new IllegalArgumentException("sockaddr too short: " + sockaddr.length + " bytes");
        }
        int family = (sockaddr[0] & 0xff) | (sockaddr[1] & 0xff) << 8;
        int expected = family == AF_INET ? SOCKADDR_IN : family == AF_INET6 ? SOCKADDR_IN6 : -1;
        if (expected < 0) {
            throw new IllegalArgumentException("sockaddr of unknown family " + family);
        }
        if (sockaddr.length < expected) {
            throw new IllegalArgumentException("sockaddr of family " + family + " needs " + expected
                    + " bytes, got " + sockaddr.length);
        }
        int port = (sockaddr[2] & 0xff) << 8 | (sockaddr[3] & 0xff);
        byte[] address = family == AF_INET ? Arrays.copyOfRange(sockaddr, 4, 8) : Arrays.copyOfRange(sockaddr, 8, 24);
        try {
            return new InetSocketAddress(InetAddress.getByAddress(address), port);
        } catch (UnknownHostException e) {
            throw new AssertionError("4 or 16 bytes are always an address", e);
        }
    }
}
