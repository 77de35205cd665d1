package io.ambit.ztunnel.capture;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.ambit.netns.NetNamespace;

/**
 * A small lab for ztunnel's root tests: "pods" as network namespaces, each joined by a veth pair
 * to one router namespace that forwards between their subnets, so traffic between pods crosses a
 * real link that a capture can watch. Every name starts with {@link #PREFIX}; namespaces left by a
 * crashed run are deleted first, and {@link #close} deletes everything (both veth ends live in the
 * lab's namespaces, so nothing is added to the host's). Only addresses inside the lab are used.
 */
final class LabNetwork implements AutoCloseable {

    static final String PREFIX = "ambt-zt-";
    static final String ROUTER = PREFIX + "rt";

    private final List<String> namespaces = new ArrayList<>();

    LabNetwork() throws IOException {
        deleteStale();
        ip("netns", "add", ROUTER);
        namespaces.add(ROUTER);
        ip("-n", ROUTER, "link", "set", "lo", "up");
        run("ip", "netns", "exec", ROUTER, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
    }

    /**
     * A pod namespace at {@code 10.244.<subnet>.10/24} with a default route to the router at
     * {@code .1}. {@code tag}: at most 4 characters (interface names are at most 15).
     */
    NetNamespace pod(String tag, int subnet) throws IOException {
        String name = PREFIX + tag;
        String podEnd = PREFIX + tag + "p";
        String routerEnd = routerInterface(tag);
        ip("netns", "add", name);
        namespaces.add(name);
        ip("link", "add", podEnd, "netns", name, "type", "veth", "peer", "name", routerEnd, "netns", ROUTER);
        ip("-n", name, "addr", "add", "10.244." + subnet + ".10/24", "dev", podEnd);
        ip("-n", ROUTER, "addr", "add", "10.244." + subnet + ".1/24", "dev", routerEnd);
        ip("-n", name, "link", "set", "lo", "up");
        ip("-n", name, "link", "set", podEnd, "up");
        ip("-n", ROUTER, "link", "set", routerEnd, "up");
        ip("-n", name, "route", "add", "default", "via", "10.244." + subnet + ".1");
        return NetNamespace.named(name);
    }

    /** The router's side of a pod's link: where a capture sees what goes to and from that pod. */
    static String routerInterface(String tag) {
        return PREFIX + tag + "r";
    }

    static InetAddress podIp(int subnet) {
        return InetAddress.ofLiteral("10.244." + subnet + ".10");
    }

    /** Runs a command inside a namespace of the lab and returns its output. */
    static String exec(String namespace, String... command) throws IOException {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        argv.addAll(List.of(command));
        return run(argv.toArray(String[]::new));
    }

    static String ip(String... args) throws IOException {
        List<String> argv = new ArrayList<>(List.of("ip"));
        argv.addAll(List.of(args));
        return run(argv.toArray(String[]::new));
    }

    static String run(String... argv) throws IOException {
        Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", argv) + ": timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", argv) + " failed (" + process.exitValue() + "): " + output.strip());
        }
        return output;
    }

    private static void deleteStale() throws IOException {
        for (String line : run("ip", "netns", "list").split("\n")) {
            String name = line.split(" ")[0].strip();
            if (name.startsWith(PREFIX)) {
                run("ip", "netns", "del", name);
            }
        }
    }

    @Override
    public void close() throws IOException {
        for (String name : namespaces.reversed()) {
            try {
                ip("netns", "del", name);
            } catch (IOException e) {
                // already gone
            }
        }
    }
}
