package io.ambit.ztunnel.state;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The current {@link StateSnapshot}, swapped whole through one reference, and the listeners told of
 * each change. Readers call {@link #snapshot()} and keep the object for as long as one decision
 * takes; only {@link XdsStateHandler} writes.
 */
public final class StateStore {

    private static final Logger log = LoggerFactory.getLogger(StateStore.class);

    private final AtomicReference<StateSnapshot> current = new AtomicReference<>(StateSnapshot.EMPTY);
    private final List<StateListener> listeners = new CopyOnWriteArrayList<>();

    public StateSnapshot snapshot() {
        return current.get();
    }

    public void addListener(StateListener listener) {
        listeners.add(listener);
    }

    public void removeListener(StateListener listener) {
        listeners.remove(listener);
    }

    void publish(StateChange change) {
        current.set(change.current());
        for (StateListener listener : listeners) {
            try {
                listener.onChange(change);
            } catch (RuntimeException e) {
                log.warn("state listener {} failed on generation {}", listener, change.current().generation(), e);
            }
        }
    }
}
