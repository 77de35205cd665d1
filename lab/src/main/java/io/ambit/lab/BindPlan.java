package io.ambit.lab;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Every address and port that the lab's processes will listen on in this host's own network
 * namespace, checked as a whole before anything starts: two of them claiming the same port (a
 * wildcard bind takes the port on every address), or a port another program already holds, stops
 * the start with both owners named, instead of a process failing half-way through start-up.
 * Listeners inside pod namespaces are not in the plan: each pod has its own ports.
 */
record BindPlan(List<Bind> binds) {

    /** One listener: who opens it, where. */
    record Bind(String owner, InetAddress address, int port) {
        @Override
        public String toString() {
            return owner + " on " + address.getHostAddress() + ":" + port;
        }

        boolean clashesWith(Bind other) {
            return port == other.port && (address.equals(other.address) || address.isAnyLocalAddress()
                    || other.address.isAnyLocalAddress());
        }
    }

    BindPlan {
        binds = List.copyOf(binds);
    }

    /** Every clash, within the plan and with what already listens here; empty when the plan can start. */
    List<String> problems() {
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < binds.size(); i++) {
            for (int j = i + 1; j < binds.size(); j++) {
                if (binds.get(i).clashesWith(binds.get(j))) {
                    problems.add("both " + binds.get(i) + " and " + binds.get(j));
                }
            }
        }
        for (Bind bind : binds) {
            if (!free(bind)) {
                problems.add(bind + ": already in use by another program (another Ambit? './mesh down' stops it)");
            }
        }
        return problems;
    }

    /** Throws, naming every clash, unless the whole plan can be bound. */
    void check() throws IOException {
        List<String> problems = problems();
        if (!problems.isEmpty()) {
            throw new IOException("cannot start: " + problems.size() + " listener(s) would clash:\n  " + String.join("\n  ", problems));
        }
    }

    /** Binding is the only exact test (a connect misses a listener on another address). */
    private static boolean free(Bind bind) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true); // as the services bind: a port in TIME_WAIT is free to them
            socket.bind(new InetSocketAddress(bind.address(), bind.port()));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
