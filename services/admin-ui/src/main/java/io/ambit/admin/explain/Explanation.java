package io.ambit.admin.explain;

import java.util.List;

/**
 * "Can A reach B on port P, and which policy decides": the path and each hop's decision.
 *
 * @param path    {@code direct}, or {@code via waypoint <namespace/name>}
 * @param allowed whether the connection is allowed at every hop (to at least one endpoint)
 * @param hops    in the order the traffic meets them
 * @param route   on the waypoint path, the route the waypoint takes for the request; null on the direct path
 */
public record Explanation(String from, String to, int port, String path, boolean allowed, List<Hop> hops, List<String> notes,
                          Route route) {

    public Explanation {
        hops = List.copyOf(hops);
        notes = List.copyOf(notes);
    }

    /**
     * One place a policy is applied.
     *
     * @param at          what decides ({@code ztunnel node-b (inbound to demo/echo-1)}, {@code waypoint demo/waypoint})
     * @param peer        the identity the decider sees (the source's, or the waypoint's); empty for plain text
     * @param destination the address and port the decision is for
     * @param decided     whether this hop decides here (an L7 hop lists its policies; the waypoint decides per request)
     * @param allowed     the decision, when {@code decided}
     * @param policy      the deciding policy ({@code namespace/name}), or empty when none decided
     * @param reason      ztunnel's words for the decision
     * @param considered  the policies that apply at this hop, in the order they are evaluated
     */
    public record Hop(String at, String peer, String destination, boolean decided, boolean allowed, String policy, String reason,
                      List<String> considered, String dryRun) {
        public Hop {
            considered = List.copyOf(considered);
        }
    }

    /**
     * The waypoint's routing of the request, decided by the waypoint's own route matching.
     *
     * @param table    the route table (its name, as the listener names it)
     * @param matched  whether a route matched (else Envoy's 404 {@code NR})
     * @param rule     the matched route's name, as translated
     * @param origin   the HTTPRoute/GRPCRoute rule it came from ({@code HTTPRoute shop/split rules[0]}), or the default route
     * @param action   {@code forward}, {@code redirect}, {@code direct response}, {@code no route} or {@code refused}
     * @param status   the status the waypoint answers itself (404, a redirect's 30x, a direct response's), 0 when it forwards
     * @param outcome  in words
     * @param backends where a forwarded request goes, with weights
     * @param applies  what else the route does: rewrites, header changes, timeout, retries, faults, mirrors
     */
    public record Route(String table, boolean matched, String rule, String origin, String action, int status, String outcome,
                        List<Backend> backends, List<String> applies) {
        public Route {
            backends = List.copyOf(backends);
            applies = List.copyOf(applies);
        }
    }

    /** One weighted backend: the cluster, the service it names ({@code namespace/name}, empty when unknown), port, weight and share. */
    public record Backend(String cluster, String service, int port, int weight, int percent) {
    }
}
