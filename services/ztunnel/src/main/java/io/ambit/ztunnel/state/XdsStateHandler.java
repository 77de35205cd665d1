package io.ambit.ztunnel.state;

import io.ambit.authz.AuthorizationPolicy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.SequencedMap;
import java.util.Set;

import io.ambit.xdsclient.DeltaAdsClient;
import io.ambit.xdsclient.XdsTypes;
import io.ambit.xdsclient.XdsUpdate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place ztunnel's state changes (ztunnel's {@code ProxyStateUpdateMutator}): each delta
 * response is validated resource by resource, what is valid is applied, what is not is returned
 * so {@link DeltaAdsClient} NACKs it with the reasons, and the new {@link StateSnapshot} replaces
 * the old one in a single swap. A refused resource leaves its previous version in force; removing
 * a name that is not known is a no-op; nothing is ever cleared when the stream breaks, so the last
 * good state keeps serving while the control plane is away.
 */
public final class XdsStateHandler implements DeltaAdsClient.Handler {

    private static final Logger log = LoggerFactory.getLogger(XdsStateHandler.class);

    private final StateStore store;
    private final AddressParser addressParser = new AddressParser();
    private final AuthorizationParser authorizationParser = new AuthorizationParser();
    private final Set<String> seenTypes = new java.util.HashSet<>();
    private final CompletableFuture<Void> synced = new CompletableFuture<>();

    public XdsStateHandler(StateStore store) {
        this.store = store;
    }

    /**
     * Completes once a response of each type ztunnel uses (Address and Authorization) has been
     * applied, even an empty one: from then on the state is what the control plane says, and
     * ztunnel may report itself ready.
     */
    public CompletableFuture<Void> synced() {
        return synced;
    }

    @Override
    public synchronized List<XdsUpdate.Rejected> apply(XdsUpdate update) {
        try {
            return applyByType(update);
        } finally {
            seenTypes.add(update.typeUrl());
            if (seenTypes.containsAll(Set.of(XdsTypes.ADDRESS, XdsTypes.AUTHORIZATION))) {
                synced.complete(null);
            }
        }
    }

    private List<XdsUpdate.Rejected> applyByType(XdsUpdate update) {
        return switch (update.typeUrl()) {
            case XdsTypes.ADDRESS -> applyAddresses(update);
            case XdsTypes.AUTHORIZATION -> applyAuthorizations(update);
            default -> update.updated().stream()
                    .map(r -> new XdsUpdate.Rejected(r.name(), "ztunnel does not use type " + update.typeUrl()))
                    .toList();
        };
    }

    private List<XdsUpdate.Rejected> applyAddresses(XdsUpdate update) {
        StateSnapshot previous = store.snapshot();
        SequencedMap<String, Workload> workloads = new LinkedHashMap<>(previous.workloadMap());
        SequencedMap<String, Service> services = new LinkedHashMap<>(previous.serviceMap());
        List<XdsUpdate.Rejected> rejected = new ArrayList<>();
        Set<String> updated = new LinkedHashSet<>();
        for (XdsUpdate.Resource resource : update.updated()) {
            Address address = parsed(addressParser, resource, rejected);
            if (address == null) {
                continue;
            }
            String name = resource.name();
            // Re-inserted, not replaced in place: the IP index lets the last applied workload win.
            Object before = workloads.containsKey(name) ? workloads.remove(name) : services.remove(name);
            switch (address) {
                case Workload w -> workloads.put(name, w);
                case Service s -> services.put(name, s);
            }
            if (!address.equals(before)) {
                updated.add(name);
            }
        }
        Set<String> removed = new LinkedHashSet<>();
        for (String name : update.removed()) {
            boolean existed = workloads.remove(name) != null;
            existed |= services.remove(name) != null;
            updated.remove(name);
            if (existed) {
                removed.add(name);
            }
        }
        publish(update, previous, rejected, updated, removed,
                () -> new StateSnapshot(previous.generation() + 1, workloads, services, previous.policyMap()));
        return rejected;
    }

    private List<XdsUpdate.Rejected> applyAuthorizations(XdsUpdate update) {
        StateSnapshot previous = store.snapshot();
        SequencedMap<String, AuthorizationPolicy> policies = new LinkedHashMap<>(previous.policyMap());
        List<XdsUpdate.Rejected> rejected = new ArrayList<>();
        Set<String> updated = new LinkedHashSet<>();
        for (XdsUpdate.Resource resource : update.updated()) {
            AuthorizationPolicy policy = parsed(authorizationParser, resource, rejected);
            if (policy == null) {
                continue;
            }
            AuthorizationPolicy before = policies.put(resource.name(), policy);
            if (!policy.equals(before)) {
                updated.add(resource.name());
            }
        }
        Set<String> removed = new LinkedHashSet<>();
        for (String name : update.removed()) {
            updated.remove(name);
            if (policies.remove(name) != null) {
                removed.add(name);
            }
        }
        publish(update, previous, rejected, updated, removed,
                () -> new StateSnapshot(previous.generation() + 1, previous.workloadMap(), previous.serviceMap(), policies));
        return rejected;
    }

    private void publish(XdsUpdate update, StateSnapshot previous, List<XdsUpdate.Rejected> rejected, Set<String> updated,
                         Set<String> removed, java.util.function.Supplier<StateSnapshot> next) {
        if (!rejected.isEmpty()) {
            log.debug("{}: refused {} of {} resources", XdsTypes.shortName(update.typeUrl()), rejected.size(), update.updated().size());
        }
        if (updated.isEmpty() && removed.isEmpty()) {
            return;
        }
        StateSnapshot current = next.get();
        log.debug("{}: generation {}: {} updated, {} removed", XdsTypes.shortName(update.typeUrl()), current.generation(),
                updated.size(), removed.size());
        store.publish(new StateChange(update.typeUrl(), previous, current, updated, removed));
    }

    /** A parser that throws anything but its own exception has a bug; the resource is refused, not the response. */
    /** The parsed resource, or null after recording why it is refused (the client NACKs with it). */
    private static <T> T parsed(ResourceParser<?, T> parser, XdsUpdate.Resource resource, List<XdsUpdate.Rejected> rejected) {
        try {
            return parser.parse(resource);
        } catch (InvalidResourceException e) {
            rejected.add(new XdsUpdate.Rejected(resource.name(), e.getMessage()));
        } catch (RuntimeException e) {
            rejected.add(bug(resource, e));
        }
        return null;
    }

    private static XdsUpdate.Rejected bug(XdsUpdate.Resource resource, RuntimeException e) {
        log.error("BUG: reading {} failed unexpectedly", resource.name(), e);
        return new XdsUpdate.Rejected(resource.name(), "ztunnel could not read it (a ztunnel bug, please report): " + e);
    }
}
