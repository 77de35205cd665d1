package io.ambit.ztunnel.proxy;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ambit.ztunnel.policy.Connection;
import io.ambit.authz.Decision;
import io.ambit.ztunnel.policy.L4Authorizer;
import io.ambit.ztunnel.state.StateChange;
import io.ambit.ztunnel.state.StateListener;
import io.ambit.ztunnel.state.StateSnapshot;
import io.ambit.xdsclient.XdsTypes;
import io.ambit.ztunnel.state.Workload;

/**
 * The inbound connections a ztunnel has let in, each with what its authorization decided on.
 * When policy or workloads change, each is authorized again against the new state and those now
 * denied are closed. This goes beyond Istio, whose ztunnel checks policy only when a connection
 * opens: a revoked permission takes effect at once, not at the client's next connect.
 *
 * <p>The work is kept off the xDS thread (which must go on applying responses) and bounded: only
 * a change that can alter a decision starts it (any Authorization change; an Address change only
 * when it touches the destination of an open connection, since its selector policies or identity
 * may have changed), and changes that arrive while a pass waits collapse into one pass against
 * the newest state, so a burst of responses costs one walk over the open connections, not one
 * per response.
 */
public final class OpenConnections implements StateListener {

    private static final Logger log = LoggerFactory.getLogger(OpenConnections.class);

    private final L4Authorizer authorizer;
    private final boolean closeDenied;
    private final Set<Entry> open = ConcurrentHashMap.newKeySet();
    /** The newest state not yet checked against; non-null while a pass is queued. */
    private final AtomicReference<StateSnapshot> queued = new AtomicReference<>();
    private final Executor worker;
    private final LongAdder passes = new LongAdder();
    private final LongAdder checked = new LongAdder();

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
        this(authorizer, closeDenied, Executors.newSingleThreadExecutor(
                Thread.ofPlatform().name("ztunnel-reauthorize").daemon().factory()));
    }

    OpenConnections(L4Authorizer authorizer, boolean closeDenied, Executor worker) {
        this.authorizer = authorizer;
        this.closeDenied = closeDenied;
        this.worker = worker;
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

    /** Passes over the open connections so far (each after one or more relevant changes). */
    public long passes() {
        return passes.sum();
    }

    /** Connections authorized again so far, over all passes. */
    public long checked() {
        return checked.sum();
    }

    @Override
    public void onChange(StateChange change) {
        if (!closeDenied || open.isEmpty() || !canChangeADecision(change)) {
            return;
        }
        if (queued.getAndSet(change.current()) == null) {
            worker.execute(this::recheck);
        }
    }

    private boolean canChangeADecision(StateChange change) {
        if (XdsTypes.AUTHORIZATION.equals(change.typeUrl())) {
            return true;
        }
        for (Entry entry : open) {
            String uid = entry.connection.destination().uid();
            if (change.updated().contains(uid) || change.removed().contains(uid)) {
                return true;
            }
        }
        return false;
    }

    private void recheck() {
        StateSnapshot state = queued.getAndSet(null);
        passes.increment();
        for (Entry entry : Set.copyOf(open)) {
            Connection before = entry.connection;
            // The destination as it is now: a selector policy may have been added to or removed from it.
            Workload now = state.workload(before.destination().uid()).orElse(before.destination());
            Connection again = new Connection(before.sourceIdentity(), before.sourceIp(), before.destinationIp(),
                    before.destinationPort(), now);
            checked.increment();
            Decision decision = authorizer.authorize(again, state);
            if (!decision.allowed()) {
                log.info("closing {}: policy changed, now {}", again, decision.describe());
                entry.close();
                entry.terminate.accept("policy changed: " + decision.describe());
            }
        }
    }
}
