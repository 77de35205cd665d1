package io.ambit.xds.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Stream;

import io.ambit.xds.store.ConfigException.Problem;
import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * The local backend's in-memory store. Its contents are one immutable snapshot swapped whole:
 * loading a directory either replaces everything the directory declared before or, if any file
 * is refused, changes nothing; {@link #apply} and {@link #delete} (the REST API and meshctl) are
 * all-or-nothing per request too. Objects applied through the API stay when the directory is
 * reloaded. Listeners see each new snapshot once it is in place.
 */
public final class LocalConfigStore implements ConfigStore {

    /**
     * An immutable view of every object, in a stable order (see {@link ShardedMap}).
     *
     * @param changed the keys added, replaced or removed since the previous snapshot, or null when
     *                not known (a directory reload): consumers then treat everything as changed
     */
    public record Snapshot(long version, Map<ResourceKey, KubeYamlParser.Parsed> objects, Set<ResourceKey> changed) {
        public Snapshot {
            objects = ShardedMap.copyOf(objects); // a change copies only the shards it touches
            changed = changed == null ? null : Set.copyOf(changed);
        }

        public Snapshot(long version, Map<ResourceKey, KubeYamlParser.Parsed> objects) {
            this(version, objects, null);
        }

        public <T extends HasMetadata> List<T> all(Class<T> type) {
            return objects.values().stream().map(KubeYamlParser.Parsed::object).filter(type::isInstance).map(type::cast).toList();
        }
    }

    private final AtomicReference<Snapshot> current = new AtomicReference<>(new Snapshot(0, Map.of()));
    private final List<Consumer<Snapshot>> listeners = new CopyOnWriteArrayList<>();

    @Override
    public Snapshot snapshot() {
        return current.get();
    }

    @Override
    public void addListener(Consumer<Snapshot> listener) {
        listeners.add(listener);
    }

    /**
     * Replaces the store's contents with the objects declared in the directory's {@code *.yaml}
     * and {@code *.yml} files. Two files declaring the same object is an error too.
     */
    public Snapshot loadDirectory(Path directory) {
        List<Path> files;
        try (Stream<Path> listing = Files.list(directory)) {
            files = listing.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted().toList();
        } catch (IOException e) {
            throw new ConfigException(List.of(new Problem(directory.toString(), 0, "", "cannot list: " + e.getMessage())));
        }
        Map<ResourceKey, KubeYamlParser.Parsed> objects = new LinkedHashMap<>();
        List<Problem> problems = new ArrayList<>();
        Map<ResourceKey, String> declaredIn = new HashMap<>();
        for (Path file : files) {
            try {
                for (KubeYamlParser.Parsed parsed : KubeYamlParser.parse(file.toString(), Files.readString(file))) {
                    String earlier = declaredIn.putIfAbsent(parsed.key(), parsed.source() + ":" + parsed.line());
                    if (earlier != null) {
                        problems.add(new Problem(parsed.source(), parsed.line(), "", parsed.key() + " is already declared at " + earlier));
                    }
                    objects.put(parsed.key(), parsed);
                }
            } catch (ConfigException e) {
                problems.addAll(e.problems());
            } catch (IOException e) {
                problems.add(new Problem(file.toString(), 0, "", "cannot read: " + e.getMessage()));
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        String prefix = directory.toString();
        return update(null, previous -> {
            Map<ResourceKey, KubeYamlParser.Parsed> next = new LinkedHashMap<>();
            previous.forEach((key, parsed) -> {
                if (!parsed.source().startsWith(prefix)) {
                    next.put(key, parsed); // applied through the API: not the directory's to remove
                }
            });
            next.putAll(objects);
            return next;
        });
    }

    /** Creates or replaces every object in the YAML; nothing changes if any document is refused. */
    public List<ResourceKey> apply(String source, String yaml) {
        List<KubeYamlParser.Parsed> parsed = KubeYamlParser.parse(source, yaml);
        Map<ResourceKey, KubeYamlParser.Parsed> puts = new LinkedHashMap<>();
        parsed.forEach(p -> puts.put(p.key(), p));
        update(puts.keySet(), previous -> previous.with(puts, Set.of()));
        return parsed.stream().map(KubeYamlParser.Parsed::key).toList();
    }

    /** Deletes every object the YAML names; nothing changes if one of them does not exist. */
    public List<ResourceKey> delete(String source, String yaml) {
        List<ResourceKey> keys = KubeYamlParser.parseKeys(source, yaml).stream().map(KubeYamlParser.Parsed::key).toList();
        update(Set.copyOf(keys), previous -> {
            List<Problem> missing = keys.stream().filter(key -> !previous.containsKey(key))
                    .map(key -> new Problem(source, 0, "", key + " not found")).toList();
            if (!missing.isEmpty()) {
                throw new ConfigException(missing);
            }
            return previous.with(Map.of(), keys);
        });
        return keys;
    }

    /** The one place contents change: compute the next map from the current one, then publish. */
    private synchronized Snapshot update(Set<ResourceKey> changed,
            java.util.function.Function<ShardedMap<ResourceKey, KubeYamlParser.Parsed>, Map<ResourceKey, KubeYamlParser.Parsed>> change) {
        Snapshot previous = current.get();
        Snapshot next = new Snapshot(previous.version() + 1, change.apply(ShardedMap.copyOf(previous.objects())), changed);
        current.set(next);
        listeners.forEach(listener -> listener.accept(next));
        return next;
    }
}
