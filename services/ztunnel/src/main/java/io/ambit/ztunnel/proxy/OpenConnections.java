package io.ambit.ztunnel.proxy;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ambit.ztunnel.policy.Connection;
import io.ambit.ztunnel.policy.Decision;
import io.ambit.ztunnel.policy.L4Authorizer;
import io.ambit.ztunnel.state.StateChange;
import io.ambit.ztunnel.state.StateListener;
import io.ambit.ztunnel.state.Workload;

/**
 * The inbound connections a ztunnel has let in, each with what its authorization decided on.
 * When policy or workloads change, each is authorized again against the new state and those now
 * denied are closed. This goes beyond Istio, whose ztunnel checks policy only when a connection
 * opens: a revoked permission takes effect at once, not at the client's next connect.
 */
public final class OpenConnections implements StateListener {

    private static final Logger log = LoggerFactory.getLogger(OpenConnections.class);

    private final L4Authorizer authorizer;
    private final boolean closeDenied;
    private final Set<Entry> open = ConcurrentHashMap.newKeySet();

    /** A registered connection; {@link #close()} forgets it (call it when the connection ends). */
    public final class Entry implements AutoCloseable {
        private final Connection connection;
        private final Consumer<String> terminate;

        private Entry(Connection connection, Consumer<String> terminate) {
            this.connection = connection;
            this.terminate = terminate;
        }

        @Override
        public void close() {
            open.remove(this);
        }
    }

    public OpenConnections(L4Authorizer authorizer, boolean closeDenied) {
        this.authorizer = authorizer;
        this.closeDenied = closeDenied;
    }

    /** @param terminate ends the connection, given why */
    public Entry track(Connection connection, Consumer<String> terminate) {
        Entry entry = new Entry(connection, terminate);
        open.add(entry);
        return entry;
    }

    public int size() {
        return open.size();
    }

    @Override
    public void onChange(StateChange change) {
        if (!closeDenied || open.isEmpty()) {
            return;
        }
        for (Entry entry : Set.copyOf(open)) {
            Connection before = entry.connection;
            // The destination as it is now: a selector policy may have been added to or removed from it.
            Workload now = change.current().workload(before.destination().uid()).orElse(before.destination());
            Connection again = new Connection(before.sourceIdentity(), before.sourceIp(), before.destinationIp(),
                    before.destinationPort(), now);
            Decision decision = authorizer.authorize(again);
            if (!decision.allowed()) {
                log.info("closing {}: policy changed, now {}", again, decision.describe());
                entry.close();
                entry.terminate.accept("policy changed: " + decision.describe());
            }
        }
    }
}
