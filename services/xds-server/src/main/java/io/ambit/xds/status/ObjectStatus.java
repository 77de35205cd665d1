package io.ambit.xds.status;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.ambit.xds.store.ResourceKey;

/**
 * The status the control plane computes for one object: its conditions and, for a waypoint
 * Gateway, the addresses it was assigned ({@code status.addresses}).
 *
 * @param ownedTypes the condition types this control plane owns on objects of this kind: written
 *                   when computed, removed when no longer computed; others' conditions are kept
 */
public record ObjectStatus(ResourceKey key, List<Condition> conditions, List<Address> addresses, List<String> ownedTypes,
                           List<Parent> parents) {

    /**
     * A route's {@code status.parents[]} entry written by this control plane: the parent as the
     * route names it (group and kind always spelt out, as the API server defaults them), the
     * controller, and the conditions.
     */
    public record Parent(Map<String, Object> parentRef, String controllerName, List<Condition> conditions) {
        public Parent {
            parentRef = Map.copyOf(parentRef);
            conditions = List.copyOf(conditions);
        }

        public Map<String, Object> toMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("parentRef", new java.util.TreeMap<>(parentRef));
            map.put("controllerName", controllerName);
            map.put("conditions", conditions.stream().map(Condition::toMap).toList());
            return map;
        }
    }

    /** An object that is not a route. */
    public ObjectStatus(ResourceKey key, List<Condition> conditions, List<Address> addresses, List<String> ownedTypes) {
        this(key, conditions, addresses, ownedTypes, List.of());
    }

    /** A Gateway API {@code GatewayStatusAddress}: {@code type} is {@code IPAddress} or {@code Hostname}. */
    public record Address(String type, String value) {
        public Map<String, Object> toMap() {
            return Map.of("type", type, "value", value);
        }
    }

    public ObjectStatus {
        conditions = List.copyOf(conditions);
        addresses = List.copyOf(addresses);
        ownedTypes = List.copyOf(ownedTypes);
        parents = List.copyOf(parents);
    }

    /** For the REST API: kind, namespace, name, conditions, and addresses when there are any. */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("kind", key.kind());
        map.put("namespace", key.namespace());
        map.put("name", key.name());
        map.put("conditions", conditions.stream().map(Condition::toMap).toList());
        if (!addresses.isEmpty()) {
            map.put("addresses", addresses.stream().map(Address::toMap).toList());
        }
        if (!parents.isEmpty()) {
            map.put("parents", parents.stream().map(Parent::toMap).toList());
        }
        return map;
    }
}
