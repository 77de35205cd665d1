package io.ambit.ztunnel.state;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.ambit.xdsclient.XdsTypes;
import io.ambit.xdsclient.XdsUpdate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes ztunnel's state exactly what a local config file says, instead of an xDS server. The
 * entries go through {@link XdsStateHandler} as the resources of two delta updates (policies, then
 * addresses), so they meet the validation xDS resources meet, and what the file no longer has is
 * removed. All or nothing: the file is first applied to a scratch store; if any entry is refused
 * there, the real state is not touched and {@link LocalConfigException} lists the refusals.
 *
 * <p>A reload that changes something publishes up to two generations (one per type), as an xDS
 * server's two subscriptions would; a reload that changes nothing publishes none.
 */
public final class LocalConfigLoader {

    private static final Logger log = LoggerFactory.getLogger(LocalConfigLoader.class);
    /** Policies first: a workload arriving with a reference finds its policy already there. */
    private static final List<String> ORDER = List.of(XdsTypes.AUTHORIZATION, XdsTypes.ADDRESS);

    private final Path file;
    private final StateStore store;
    private final XdsStateHandler handler;

    /** @param store the state to fill; this loader must be its only writer */
    public LocalConfigLoader(Path file, StateStore store) {
        this.file = file;
        this.store = store;
        this.handler = new XdsStateHandler(store);
    }

    public Path file() {
        return file;
    }

    long currentGeneration() {
        return store.snapshot().generation();
    }

    /**
     * Reads the file and applies it.
     *
     * @return the state afterwards
     * @throws LocalConfigException when the file cannot be read or is refused; the state is unchanged
     */
    public synchronized StateSnapshot load() throws LocalConfigException {
        LocalConfig config = LocalConfig.parse(file.toString(), read());
        apply(config);
        log.info("local config {}: {} workloads, {} services, {} policies; state generation {}", file,
                count(config, LocalConfig.Section.WORKLOADS), count(config, LocalConfig.Section.SERVICES),
                count(config, LocalConfig.Section.POLICIES), store.snapshot().generation());
        return store.snapshot();
    }

    private byte[] read() throws LocalConfigException {
        try (InputStream in = Files.newInputStream(file)) {
            // Bounded read: the size seen before reading could change, and a device has none.
            byte[] bytes = in.readNBytes(LocalConfig.MAX_BYTES + 1);
            if (bytes.length > LocalConfig.MAX_BYTES) {
                throw new LocalConfigException(file.toString(), List.of("the file is larger than the " + LocalConfig.MAX_BYTES
                        + " bytes a local config may have"));
            }
            return bytes;
        } catch (NoSuchFileException e) {
            throw new LocalConfigException(file.toString(), "the file does not exist", e);
        } catch (IOException e) {
            throw new LocalConfigException(file.toString(), "cannot read the file: " + e, e);
        }
    }

    /**
     * Makes the state what {@code config} says.
     *
     * @throws LocalConfigException naming every refused entry and why; the state is unchanged
     */
    public synchronized void apply(LocalConfig config) throws LocalConfigException {
        validate(config);
        StateSnapshot current = store.snapshot();
        for (String typeUrl : ORDER) {
            List<LocalConfig.Entry> entries = config.entries(typeUrl);
            Set<String> kept = new HashSet<>();
            entries.forEach(e -> kept.add(e.name()));
            List<String> removed = names(current, typeUrl).stream().filter(n -> !kept.contains(n)).toList();
            List<XdsUpdate.Rejected> rejected = handler.apply(new XdsUpdate(typeUrl, resources(entries), removed));
            if (!rejected.isEmpty()) {
                // validate() ran the same parsers on the same resources
                log.error("BUG: local config {}: {} refused after validation passed: {}", file, XdsTypes.shortName(typeUrl), rejected);
            }
        }
    }

    /** Runs the real handler against a scratch store, so a refusal leaves the real state as it was. */
    private void validate(LocalConfig config) throws LocalConfigException {
        XdsStateHandler scratch = new XdsStateHandler(new StateStore());
        List<LocalConfig.Entry> refused = new ArrayList<>();
        Map<LocalConfig.Entry, String> reasons = new HashMap<>();
        for (String typeUrl : ORDER) {
            List<LocalConfig.Entry> entries = config.entries(typeUrl);
            Map<String, LocalConfig.Entry> byName = new HashMap<>();
            entries.forEach(e -> byName.put(e.name(), e));
            for (XdsUpdate.Rejected rejected : scratch.apply(new XdsUpdate(typeUrl, resources(entries), List.of()))) {
                LocalConfig.Entry entry = byName.get(rejected.name());
                refused.add(entry);
                reasons.put(entry, rejected.reason());
            }
        }
        if (!refused.isEmpty()) {
            refused.sort(Comparator.comparing(LocalConfig.Entry::section).thenComparingInt(LocalConfig.Entry::index));
            throw new LocalConfigException(file.toString(), refused.stream().map(e -> e.label() + ": " + reasons.get(e)).toList());
        }
    }

    private static List<XdsUpdate.Resource> resources(List<LocalConfig.Entry> entries) {
        return entries.stream().map(LocalConfig.Entry::resource).toList();
    }

    private static Set<String> names(StateSnapshot snapshot, String typeUrl) {
        if (typeUrl.equals(XdsTypes.AUTHORIZATION)) {
            return snapshot.policyMap().keySet();
        }
        Set<String> names = new HashSet<>(snapshot.workloadMap().keySet());
        names.addAll(snapshot.serviceMap().keySet());
        return names;
    }

    private static long count(LocalConfig config, LocalConfig.Section section) {
        return config.entries().stream().filter(e -> e.section() == section).count();
    }
}
