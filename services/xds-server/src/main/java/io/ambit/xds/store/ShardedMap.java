package io.ambit.xds.store;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * An immutable map whose updated copy costs a fraction of its size: entries live in fixed hash
 * shards, and {@link #with} copies only the shards a change touches. A store of 10,000 pods then
 * publishes a one-pod change by copying ~80 entries instead of 10,000 — what keeps a pod change
 * in milliseconds at scale, since every snapshot and every generation is a new immutable map.
 * Iteration is shard by shard, each in insertion order: stable for the same history, not global
 * insertion order.
 */
public final class ShardedMap<K, V> extends AbstractMap<K, V> {

    private static final int SHARD_BITS = 7;
    private static final int SHARDS = 1 << SHARD_BITS;
    private static final ShardedMap<?, ?> EMPTY = new ShardedMap<>(emptyShards(), 0);

    private final Map<K, V>[] shards;
    private final int size;

    private ShardedMap(Map<K, V>[] shards, int size) {
        this.shards = shards;
        this.size = size;
    }

    @SuppressWarnings("unchecked")
    public static <K, V> ShardedMap<K, V> empty() {
        return (ShardedMap<K, V>) EMPTY;
    }

    /** A sharded copy of {@code entries} (the same instance when it already is one). */
    @SuppressWarnings("unchecked")
    public static <K, V> ShardedMap<K, V> copyOf(Map<? extends K, ? extends V> entries) {
        if (entries instanceof ShardedMap<?, ?> sharded) {
            return (ShardedMap<K, V>) sharded;
        }
        return ShardedMap.<K, V>empty().with((Map<K, V>) entries, Set.of());
    }

    /** A copy with {@code puts} added or replaced and {@code removes} removed; untouched shards are shared. */
    public ShardedMap<K, V> with(Map<? extends K, ? extends V> puts, Collection<? extends K> removes) {
        if (puts.isEmpty() && removes.isEmpty()) {
            return this;
        }
        Map<K, V>[] next = shards.clone();
        boolean[] copied = new boolean[SHARDS];
        int nextSize = size;
        for (K key : removes) {
            int shard = shard(key);
            if (next[shard].containsKey(key)) {
                copy(next, copied, shard).remove(key);
                nextSize--;
            }
        }
        for (Map.Entry<? extends K, ? extends V> entry : puts.entrySet()) {
            int shard = shard(entry.getKey());
            if (copy(next, copied, shard).put(entry.getKey(), entry.getValue()) == null) {
                nextSize++;
            }
        }
        for (int i = 0; i < SHARDS; i++) {
            if (copied[i]) {
                next[i] = Collections.unmodifiableMap(next[i]);
            }
        }
        return new ShardedMap<>(next, nextSize);
    }

    private static <K, V> Map<K, V> copy(Map<K, V>[] shards, boolean[] copied, int shard) {
        if (!copied[shard]) {
            shards[shard] = new LinkedHashMap<>(shards[shard]);
            copied[shard] = true;
        }
        return shards[shard];
    }

    /**
     * The top bits of a multiplicative hash: the shard's own hash map indexes by the low bits, and
     * if the shard were chosen by them too, every key of a shard would land in one bucket.
     */
    private static int shard(Object key) {
        return (key.hashCode() * 0x9E3779B9) >>> (Integer.SIZE - SHARD_BITS);
    }

    @Override
    public V get(Object key) {
        return key == null ? null : shards[shard(key)].get(key);
    }

    @Override
    public boolean containsKey(Object key) {
        return key != null && shards[shard(key)].containsKey(key);
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Set<Map.Entry<K, V>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Map.Entry<K, V>> iterator() {
                return new Iterator<>() {
                    private int shard;
                    private Iterator<Map.Entry<K, V>> current = shards[0].entrySet().iterator();

                    @Override
                    public boolean hasNext() {
                        while (!current.hasNext() && shard < SHARDS - 1) {
                            current = shards[++shard].entrySet().iterator();
                        }
                        return current.hasNext();
                    }

                    @Override
                    public Map.Entry<K, V> next() {
                        if (!hasNext()) {
                            throw new NoSuchElementException();
                        }
                        return current.next();
                    }
                };
            }

            @Override
            public int size() {
                return size;
            }
        };
    }

    @SuppressWarnings("unchecked")
    private static <K, V> Map<K, V>[] emptyShards() {
        Map<K, V>[] shards = new Map[SHARDS];
        java.util.Arrays.fill(shards, Map.of());
        return shards;
    }
}
