package io.ambit.netns.topology;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;

import io.ambit.netns.CommandException;

/**
 * The topology kit from a shell, for {@code bench/ztunnel.sh}: the same namespaces as the lab's,
 * built by the same code. Pods are {@code <name>:<node>:<ipv4>}.
 * <pre>
 *   up      PREFIX POD_NETWORK NODES [POD…]   remove leftovers, build router, nodes and pods
 *   add-pod PREFIX POD_NETWORK NODES POD…     add pods to a topology built by up
 *   down    PREFIX                            kill what runs inside and delete every namespace
 * </pre>
 * Exit status 2 on a usage error, 1 when a command failed (its output printed).
 */
public final class TopologyMain {

    private TopologyMain() {
    }

    public static void main(String[] args) {
        try {
            run(List.of(args));
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("topology: " + e.getMessage());
            System.exit(2);
        } catch (CommandException e) {
            System.err.println("topology: " + e.getMessage());
            System.exit(1);
        }
    }

    static void run(List<String> args) throws CommandException {
        if (args.isEmpty()) {
            throw new IllegalArgumentException("usage: up|add-pod|down PREFIX [POD_NETWORK NODES POD…]");
        }
        switch (args.getFirst()) {
            case "down" -> {
                need(args, 2, 2);
                Topology.removeStale(args.get(1));
            }
            case "up" -> {
                need(args, 4, Integer.MAX_VALUE);
                List<Pod> pods = pods(args.subList(4, args.size()));
                addPods(Topology.create(args.get(1), args.get(2), nodes(args.get(3))), pods);
            }
            case "add-pod" -> {
                need(args, 5, Integer.MAX_VALUE);
                List<Pod> pods = pods(args.subList(4, args.size()));
                addPods(Topology.attach(args.get(1), args.get(2), nodes(args.get(3))), pods);
            }
            default -> throw new IllegalArgumentException("unknown command '" + args.getFirst() + "' (up, add-pod, down)");
        }
    }

    private record Pod(String name, int node, InetAddress ip) {
    }

    /** All parsed before any namespace is made: a typo changes nothing. */
    private static List<Pod> pods(List<String> specs) {
        return specs.stream().map(spec -> {
            String[] parts = spec.split(":");
            if (parts.length != 3) {
                throw new IllegalArgumentException("a pod is NAME:NODE:IPV4, not '" + spec + "'");
            }
            return new Pod(parts[0], nodes(parts[1]), address(parts[2]));
        }).toList();
    }

    // Not closed: the namespaces outlive this process until `down`.
    private static void addPods(Topology topology, List<Pod> pods) throws CommandException {
        for (Pod pod : pods) {
            System.out.println(topology.addPod(pod.name(), pod.node(), pod.ip()));
        }
    }

    private static InetAddress address(String literal) {
        if (!literal.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            throw new IllegalArgumentException("not an IPv4 address: '" + literal + "'");
        }
        return InetAddress.ofLiteral(literal);
    }

    private static int nodes(String number) {
        try {
            return Integer.parseInt(number);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number: '" + number + "'");
        }
    }

    private static void need(List<String> args, int min, int max) {
        if (args.size() < min || args.size() > max) {
            throw new IllegalArgumentException(args.getFirst() + ": wrong number of arguments: " + Arrays.toString(args.toArray()));
        }
    }
}
