package io.ambit.ca.authz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local mode: the pods are those declared in the local config directory (Kubernetes YAML, several
 * documents per file). The directory is re-read when a file in it changes, checked at lookup at
 * most once a second (a directory listing per request showed in the CA's profile); a file that
 * does not parse is logged and the previous view is kept.
 */
public final class LocalPodLocator implements PodLocator {

    private static final Logger log = LoggerFactory.getLogger(LocalPodLocator.class);

    private record Snapshot(Map<Path, FileTime> stamps, Set<String> keys) {
    }

    /** How stale the view may get: the directory is looked at no more than once per interval. */
    static final long RECHECK_NANOS = 1_000_000_000L;

    private final Path directory;
    private final AtomicReference<Snapshot> snapshot = new AtomicReference<>(new Snapshot(Map.of(), Set.of()));
    private volatile long lastCheck = System.nanoTime() - RECHECK_NANOS;

    public LocalPodLocator(Path directory) {
        this.directory = directory;
    }

    @Override
    public boolean runsOnNode(String node, String namespace, String serviceAccount) {
        return current().keys().contains(key(node, namespace, serviceAccount));
    }

    static String key(String node, String namespace, String serviceAccount) {
        return node + "/" + namespace + "/" + serviceAccount;
    }

    private Snapshot current() {
        long now = System.nanoTime();
        if (now - lastCheck < RECHECK_NANOS) {
            return snapshot.get();
        }
        lastCheck = now;
        Map<Path, FileTime> stamps = stamps();
        Snapshot seen = snapshot.get();
        if (stamps.equals(seen.stamps())) {
            return seen;
        }
        try {
            Snapshot fresh = new Snapshot(stamps, load(stamps.keySet()));
            snapshot.set(fresh);
            log.info("local pods reloaded from {}: {} (node/namespace/serviceaccount)", directory, fresh.keys());
            return fresh;
        } catch (RuntimeException e) {
            log.warn("local config in {} does not parse, keeping the previous pods: {}", directory, e.toString());
            return seen;
        }
    }

    private Map<Path, FileTime> stamps() {
        if (!Files.isDirectory(directory)) {
            return Map.of();
        }
        Map<Path, FileTime> stamps = new HashMap<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).toList()) {
                stamps.put(file, Files.getLastModifiedTime(file));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + directory, e);
        }
        return stamps;
    }

    private static Set<String> load(Set<Path> files) {
        Set<String> keys = new HashSet<>();
        for (Path file : files) {
            String text;
            try {
                text = Files.readString(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            for (String document : text.split("(?m)^---\\s*$")) {
                if (document.isBlank()) {
                    continue;
                }
                HasMetadata object = Serialization.unmarshal(document);
                if (object instanceof Pod pod && isRunning(pod)) {
                    String namespace = pod.getMetadata().getNamespace() == null ? "default" : pod.getMetadata().getNamespace();
                    String account = pod.getSpec().getServiceAccountName() == null ? "default" : pod.getSpec().getServiceAccountName();
                    keys.add(key(pod.getSpec().getNodeName(), namespace, account));
                }
            }
        }
        return Set.copyOf(keys);
    }

    static boolean isRunning(Pod pod) {
        if (pod.getSpec() == null || pod.getSpec().getNodeName() == null) {
            return false;
        }
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return !"Succeeded".equals(phase) && !"Failed".equals(phase);
    }
}
