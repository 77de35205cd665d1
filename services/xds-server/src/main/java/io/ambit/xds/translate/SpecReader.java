package io.ambit.xds.translate;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a generically bound {@code spec} (maps, lists, strings and numbers from YAML or JSON)
 * with the field path in every error, so a Finding can say exactly what is wrong. Absent fields
 * read as null or empty; a present field of the wrong type is an {@link IllegalArgumentException}.
 */
final class SpecReader {

    private final Map<?, ?> map;
    private final String path;

    private SpecReader(Map<?, ?> map, String path) {
        this.map = map;
        this.path = path;
    }

    static SpecReader of(Object spec, String path) {
        if (spec == null) {
            return new SpecReader(Map.of(), path);
        }
        if (!(spec instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException(path + ": expected an object");
        }
        return new SpecReader(m, path);
    }

    String path(String field) {
        return path + "." + field;
    }

    boolean has(String field) {
        return map.get(field) != null;
    }

    String string(String field) {
        Object value = map.get(field);
        if (value == null) {
            return null;
        }
        if (!(value instanceof String s)) {
            throw new IllegalArgumentException(path(field) + ": expected a string");
        }
        return s;
    }

    String string(String field, String fallback) {
        String value = string(field);
        return value == null || value.isEmpty() ? fallback : value;
    }

    /** An integer field, or {@code fallback} when absent. */
    long integer(String field, long fallback) {
        Object value = map.get(field);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
            return n.longValue();
        }
        throw new IllegalArgumentException(path(field) + ": expected an integer, got " + value);
    }

    /** A port number in 1..65535 (or 0 if {@code zeroAllowed} and the field is absent or 0). */
    int port(String field, boolean required) {
        long port = integer(field, 0);
        if (port == 0 && !required) {
            return 0;
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(path(field) + ": port " + port + " is out of range 1-65535");
        }
        return (int) port;
    }

    SpecReader object(String field) {
        return of(map.get(field), path(field));
    }

    List<SpecReader> objects(String field) {
        Object value = map.get(field);
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list)) {
            throw new IllegalArgumentException(path(field) + ": expected a list");
        }
        java.util.ArrayList<SpecReader> out = new java.util.ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            out.add(of(list.get(i), path(field) + "[" + i + "]"));
        }
        return out;
    }

    List<String> strings(String field) {
        Object value = map.get(field);
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list) || !list.stream().allMatch(String.class::isInstance)) {
            throw new IllegalArgumentException(path(field) + ": expected a list of strings");
        }
        return list.stream().map(String.class::cast).toList();
    }

    /** A map of string to string (labels, selectors); null when absent. */
    Map<String, String> stringMap(String field) {
        Object value = map.get(field);
        if (value == null) {
            return null;
        }
        if (!(value instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException(path(field) + ": expected a map of strings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (var e : m.entrySet()) {
            if (!(e.getKey() instanceof String k) || !(e.getValue() instanceof String v)) {
                throw new IllegalArgumentException(path(field) + "." + e.getKey() + ": expected a string value");
            }
            out.put(k, v);
        }
        return out;
    }

    /** A map of port name to port number (WorkloadEntry {@code ports}). */
    Map<String, Integer> portMap(String field) {
        Object value = map.get(field);
        if (value == null) {
            return Map.of();
        }
        if (!(value instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException(path(field) + ": expected a map of port numbers");
        }
        Map<String, Integer> out = new LinkedHashMap<>();
        SpecReader ports = of(m, path(field));
        for (Object key : m.keySet()) {
            out.put(String.valueOf(key), ports.port(String.valueOf(key), true));
        }
        return out;
    }
}
