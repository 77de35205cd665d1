package io.ambit.hbone;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ambit.tls.MeshTls;
import io.ambit.tls.PeerPolicy;
import io.ambit.tls.ReloadableSslContext.KeyMaterial;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslContext;

/**
 * Shares HBONE connections between tunnels, as ztunnel's {@code pool.rs}: connections are keyed by
 * {@link HboneKey}; a connection takes new streams until it has opened {@code maxStreamsPerConnection}
 * (100 in Istio) and the server's MAX_CONCURRENT_STREAMS allows, then the next open starts a new
 * connection; a connection with no stream for {@code idleTimeout} (5 minutes in Istio) is closed.
 * Opens that arrive while a connection for their key is being made wait for it instead of making
 * their own. A closed, closing or draining (GOAWAY) connection is never handed out.
 *
 * <p>All bookkeeping is under one lock; nothing slow (no I/O, no TLS) runs while holding it.
 */
public final class HbonePool implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HbonePool.class);

    private final HboneClient client;
    private final SourceCertificates certificates;
    private final int maxStreamsPerConnection;
    private final Duration idleTimeout;
    private final Object lock = new Object();
    private final Map<HboneKey, KeyEntry> entries = new HashMap<>();
    /** Every open connection, also the full ones no longer handed out, so {@link #close()} reaches them. */
    private final Set<Pooled> live = new HashSet<>();
    private final AtomicLong connectionsOpened = new AtomicLong();
    /**
     * Client contexts already built: building one costs milliseconds of CPU (Netty turns the key
     * into a PKCS#12 key store, PBKDF2 and all), which per new connection was a third of the
     * waypoint's CPU under load (issue 14). One per source and destination pair, rebuilt when the
     * source's certificate or trust bundle changes, so rotation still applies to the next connection.
     */
    private final Map<ContextKey, BuiltContext> contexts = new java.util.concurrent.ConcurrentHashMap<>();
    private boolean closed;

    public HbonePool(HboneClient client, SourceCertificates certificates, int maxStreamsPerConnection,
            Duration idleTimeout) {
        if (maxStreamsPerConnection < 1 || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("maxStreamsPerConnection and idleTimeout must be positive");
        }
        this.client = client;
        this.certificates = certificates;
        this.maxStreamsPerConnection = maxStreamsPerConnection;
        this.idleTimeout = idleTimeout;
    }

    /** Istio's defaults: 100 streams per connection, idle connections released after 5 minutes. */
    public static HbonePool withIstioDefaults(HboneClient client, SourceCertificates certificates) {
        return new HbonePool(client, certificates, 100, Duration.ofMinutes(5));
    }

    /** Opens a tunnel to {@code authority} over a pooled connection for {@code key}. */
    public CompletableFuture<HboneTunnel> open(HboneKey key, String authority, HboneHeaders headers) {
        return open(key, authority, headers, null);
    }

    /**
     * The same; a new connection, if one must be made, runs on {@code preferred} (the loop of the
     * connection being tunnelled), so that tunnel's relay stays on one thread.
     */
    public CompletableFuture<HboneTunnel> open(HboneKey key, String authority, HboneHeaders headers, EventLoop preferred) {
        CompletableFuture<Pooled> slot;
        Pending toConnect = null;
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("the HBONE pool is closed"));
            }
            KeyEntry entry = entries.computeIfAbsent(key, k -> new KeyEntry());
            Pooled ready = entry.ready.stream().filter(Pooled::canTake).findFirst().orElse(null);
            if (ready != null) {
                ready.take();
                slot = CompletableFuture.completedFuture(ready);
            } else if (entry.pending != null && entry.pending.reserved < maxStreamsPerConnection) {
                entry.pending.reserved++;
                slot = entry.pending.future;
            } else {
                toConnect = new Pending();
                entry.pending = toConnect;
                slot = toConnect.future;
            }
        }
        if (toConnect != null) {
            connect(key, toConnect, preferred);
        }
        return slot.thenCompose(pooled -> pooled.connection.open(authority, headers)
                .whenComplete((tunnel, error) -> {
                    if (error != null) {
                        release(pooled);
                    } else {
                        tunnel.closeFuture().addListener(f -> release(pooled));
                    }
                }));
    }

    private void connect(HboneKey key, Pending pending, EventLoop preferred) {
        CompletableFuture<HboneConnection> attempt;
        try {
            attempt = preferred == null ? client.connect(key.address(), clientContext(key))
                    : client.connect(key.address(), clientContext(key), preferred);
        } catch (RuntimeException e) {
            attempt = CompletableFuture.failedFuture(e);
        }
        attempt.whenComplete((connection, error) -> {
            Pooled pooled = null;
            synchronized (lock) {
                KeyEntry entry = entries.get(key);
                if (entry != null && entry.pending == pending) {
                    entry.pending = null;
                }
                if (error == null) {
                    connectionsOpened.incrementAndGet();
                    pooled = new Pooled(key, connection, pending.reserved);
                    live.add(pooled);
                    if (entry != null && !closed && pooled.opened < maxStreamsPerConnection) {
                        entry.ready.add(pooled);
                    }
                } else if (entry != null && entry.ready.isEmpty() && entry.pending == null) {
                    entries.remove(key);
                }
            }
            if (error != null) {
                pending.future.completeExceptionally(error);
                return;
            }
            Pooled done = pooled;
            connection.closeFuture().addListener(f -> forget(done));
            if (closedMeanwhile()) {
                connection.close();
            }
            pending.future.complete(done);
        });
    }

    /**
     * The context for a new connection: the source's certificate as it is now (so rotation applies to the
     * next connection) and a peer policy naming exactly the expected destination identity, or any
     * identity of its trust domain when the key names only a trust domain ({@link HboneKey#anyIn}).
     */
    private SslContext clientContext(HboneKey key) {
        KeyMaterial material = certificates.keyMaterial(key.source());
        ContextKey cacheKey = new ContextKey(key.source(), key.destination());
        BuiltContext cached = contexts.get(cacheKey);
        if (cached != null && cached.material().equals(material)) {
            return cached.context();
        }
        PeerPolicy servers = key.destination().path().isEmpty() ? PeerPolicy.anyInTrustDomain(key.destination().trustDomain())
                : PeerPolicy.exactly(key.destination());
        SslContext context = MeshTls.client(material.svid(), material.bundle(), servers);
        contexts.put(cacheKey, new BuiltContext(material, context));
        return context;
    }

    /** Which source presents its certificate to which destination: the same pair, the same context. */
    private record ContextKey(io.ambit.identity.SpiffeId source, io.ambit.identity.SpiffeId destination) {
    }

    /** A context and the certificate it was built with: a rotated certificate builds a new one. */
    private record BuiltContext(KeyMaterial material, SslContext context) {
    }

    /** A tunnel ended (or failed to open): one stream fewer; start the idle clock at zero. */
    private void release(Pooled pooled) {
        boolean closeNow = false;
        synchronized (lock) {
            pooled.active--;
            if (pooled.active > 0 || pooled.closing) {
                return;
            }
            if (pooled.opened >= maxStreamsPerConnection || !pooled.connection.isUsable()) {
                // Will never take another stream: nothing to wait for.
                pooled.closing = true;
                removeFromEntry(pooled);
                closeNow = true;
            } else {
                long generation = ++pooled.idleGeneration;
                pooled.idleTimer = pooled.connection.eventLoop().schedule(() -> idleExpired(pooled, generation),
                        idleTimeout.toNanos(), TimeUnit.NANOSECONDS);
            }
        }
        if (closeNow) {
            pooled.connection.close();
        }
    }

    private void idleExpired(Pooled pooled, long generation) {
        synchronized (lock) {
            if (pooled.active > 0 || pooled.closing || pooled.idleGeneration != generation) {
                return; // taken again since the timer was set
            }
            pooled.closing = true;
            removeFromEntry(pooled);
        }
        log.debug("closing idle HBONE connection {}", pooled.connection);
        pooled.connection.close();
    }

    private void forget(Pooled pooled) {
        synchronized (lock) {
            pooled.closing = true;
            live.remove(pooled);
            removeFromEntry(pooled);
        }
    }

    private boolean closedMeanwhile() {
        synchronized (lock) {
            return closed;
        }
    }

    private void removeFromEntry(Pooled pooled) {
        KeyEntry entry = entries.get(pooled.key);
        if (entry != null) {
            entry.ready.remove(pooled);
            if (entry.ready.isEmpty() && entry.pending == null) {
                entries.remove(pooled.key);
            }
        }
    }

    /** Connections in the pool for {@code key} that may still take streams (not draining after a GOAWAY). */
    public int connectionCount(HboneKey key) {
        synchronized (lock) {
            KeyEntry entry = entries.get(key);
            return entry == null ? 0 : (int) entry.ready.stream().filter(p -> !p.closing && p.connection.isUsable()).count();
        }
    }

    /** Connections this pool ever established. */
    public long connectionsOpened() {
        return connectionsOpened.get();
    }

    /** Closes every connection this pool made (and with them their tunnels). */
    @Override
    public void close() {
        List<Pooled> all;
        synchronized (lock) {
            closed = true;
            all = new ArrayList<>(live);
            entries.clear();
        }
        all.forEach(p -> p.connection.close().syncUninterruptibly());
    }

    private static final class KeyEntry {
        final List<Pooled> ready = new ArrayList<>();
        Pending pending;
    }

    /** A connection being made, with the streams already promised to it. */
    private static final class Pending {
        final CompletableFuture<Pooled> future = new CompletableFuture<>();
        int reserved = 1;
    }

    /** A pooled connection and its counts; mutated only under the pool's lock. */
    private final class Pooled {
        final HboneKey key;
        final HboneConnection connection;
        int opened;
        int active;
        boolean closing;
        long idleGeneration;
        ScheduledFuture<?> idleTimer;

        Pooled(HboneKey key, HboneConnection connection, int reserved) {
            this.key = key;
            this.connection = connection;
            this.opened = reserved;
            this.active = reserved;
        }

        boolean canTake() {
            return !closing && connection.isUsable() && opened < maxStreamsPerConnection
                    && active < connection.maxConcurrentStreams();
        }

        void take() {
            opened++;
            active++;
            idleGeneration++;
            if (idleTimer != null) {
                idleTimer.cancel(false);
                idleTimer = null;
            }
            if (opened >= maxStreamsPerConnection) {
                removeFromEntry(this); // full: the next open makes a new connection
            }
        }
    }
}
