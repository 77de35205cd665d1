package io.ambit.admin.explain;

import java.util.List;

/**
 * "Can A reach B on port P, and which policy decides": the path and each hop's decision.
 *
 * @param path    {@code direct}, or {@code via waypoint <namespace/name>}
 * @param allowed whether the connection is allowed at every hop (to at least one endpoint)
 * @param hops    in the order the traffic meets them
 */
public record Explanation(String from, String to, int port, String path, boolean allowed, List<Hop> hops, List<String> notes) {

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
}
