package io.ambit.netns;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds a pod's network namespace by the pod's IP, as ztunnel must when its xDS state names a
 * workload to capture. Named namespaces ({@code /var/run/netns}, where both {@code ip netns} and
 * containerd keep them) are tried first; then every process's {@code /proc/<pid>/ns/net}, for
 * runtimes that do not name them. Each namespace is looked at once (by inode), and the caller's
 * own namespace never: ztunnel does not capture the node.
 */
public final class NetNamespaces {

    private static final Logger log = LoggerFactory.getLogger(NetNamespaces.class);
    private static final Path PROC = Path.of("/proc");

    private NetNamespaces() {
    }

    /**
     * The namespace whose interfaces carry {@code address}, opened (the caller closes it), or
     * empty if none does.
     */
    public static Optional<NetNamespace> findByAddress(InetAddress address) throws NetnsException {
        Set<Long> seen = new HashSet<>();
        seen.add(NetNamespace.inode(Path.of("/proc/self/ns/net")));
        seen.add(NetNamespace.currentInode());
        for (Path candidate : candidates()) {
            long inode;
            try {
                inode = NetNamespace.inodeOf(candidate);
            } catch (IOException e) {
                continue; // a process that exited, or a stale name: not a pod we can capture
            }
            if (!seen.add(inode)) {
                continue;
            }
            NetNamespace ns;
            try {
                ns = NetNamespace.open(candidate);
            } catch (SyscallException e) {
                log.debug("skipping {}: {}", candidate, e.getMessage());
                continue;
            }
            if (carries(ns, address)) {
                return Optional.of(ns);
            }
            ns.close();
        }
        return Optional.empty();
    }

    private static boolean carries(NetNamespace ns, InetAddress address) throws NetnsException {
        try {
            return ns.run(InterfaceAddresses::ofCurrentNamespace).contains(address);
        } catch (SyscallException e) {
            throw e;
        } catch (IOException e) {
            log.debug("cannot list addresses in {}: {}", ns, e.getMessage());
            return false;
        }
    }

    /** Named namespaces in name order, then processes in pid order. */
    static List<Path> candidates() {
        List<Path> paths = new ArrayList<>();
        if (Files.isDirectory(NetNamespace.NAMED_DIR)) {
            try (DirectoryStream<Path> named = Files.newDirectoryStream(NetNamespace.NAMED_DIR)) {
                named.forEach(paths::add);
            } catch (IOException e) {
                log.debug("cannot list {}: {}", NetNamespace.NAMED_DIR, e.getMessage());
            }
            paths.sort(null);
        }
        List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(PROC, p -> isPid(p.getFileName().toString()))) {
            procs.forEach(p -> pids.add(Long.parseLong(p.getFileName().toString())));
        } catch (IOException e) {
            log.debug("cannot list /proc: {}", e.getMessage());
        }
        pids.sort(null);
        pids.forEach(pid -> paths.add(PROC.resolve(Long.toString(pid)).resolve("ns/net")));
        return paths;
    }

    private static boolean isPid(String name) {
        return !name.isEmpty() && name.chars().allMatch(Character::isDigit);
    }
}
