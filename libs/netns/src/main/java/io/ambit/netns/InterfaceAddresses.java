package io.ambit.netns;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The addresses on the interfaces of the calling thread's network namespace.
 *
 * <p>IPv4 comes from {@link NetworkInterface}, which asks the kernel through a socket (made in the
 * thread's namespace). IPv6 does not: the JDK reads it from {@code /proc/net/if_inet6}, and
 * {@code /proc/net} is {@code /proc/self/net}, the namespace of the process's main thread. So
 * IPv6 is read from {@code /proc/thread-self/net/if_inet6}, which follows the calling thread.
 */
final class InterfaceAddresses {

    private static final Path THREAD_IF_INET6 = Path.of("/proc/thread-self/net/if_inet6");

    private InterfaceAddresses() {
    }

    static Set<InetAddress> ofCurrentNamespace() throws IOException {
        Set<InetAddress> addresses = new LinkedHashSet<>();
        try {
            for (NetworkInterface nic : NetworkInterface.networkInterfaces().toList()) {
                nic.inetAddresses().filter(Inet4Address.class::isInstance).forEach(addresses::add);
            }
        } catch (SocketException e) {
            throw new IOException("cannot list network interfaces: " + e.getMessage(), e);
        }
        try {
            for (String line : Files.readAllLines(THREAD_IF_INET6)) {
                parseIfInet6(line).ifPresent(addresses::add);
            }
        } catch (NoSuchFileException e) {
            // IPv6 disabled in this kernel: nothing to add.
        }
        return addresses;
    }

    /** One line of if_inet6: 32 hex digits of address, then index, prefix, scope, flags, name. */
    static Optional<InetAddress> parseIfInet6(String line) {
        String hex = line.strip().split("\\s+", 2)[0];
        if (hex.length() != 32) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByAddress(HexFormat.of().parseHex(hex)));
        } catch (IllegalArgumentException | UnknownHostException e) {
            return Optional.empty();
        }
    }
}
