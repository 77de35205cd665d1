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
public record ObjectStatus(ResourceKey key, List<Condition> conditions, List<Address> addresses, List<String> ownedTypes) {

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
        return map;
    }
}
