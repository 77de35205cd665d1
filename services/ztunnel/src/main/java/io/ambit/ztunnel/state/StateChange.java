package io.ambit.ztunnel.state;

import java.util.Objects;
import java.util.Set;

/**
 * What one applied xDS response changed.
 *
 * @param typeUrl   the response's type
 * @param previous  the state before it
 * @param current   the state after it (already visible to every reader)
 * @param updated   names added or changed (content differs)
 * @param removed   names that existed and are gone
 */
public record StateChange(String typeUrl, StateSnapshot previous, StateSnapshot current, Set<String> updated, Set<String> removed) {

    public StateChange {
        updated = Set.copyOf(updated);
        removed = Set.copyOf(removed);
    }

    /** Whether the set or content of this node's workloads changed: the capture loop's trigger. */
    public boolean nodeChanged(String node) {
        return !Objects.equals(previous.workloadsOnNode(node), current.workloadsOnNode(node));
    }
}
