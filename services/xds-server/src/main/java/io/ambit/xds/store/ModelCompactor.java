package io.ambit.xds.store;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * fabric8's model allocates every list and map field eagerly (a Pod carries some thirty empty
 * ArrayLists and a dozen empty additional-property maps), which is most of what a stored object
 * weighs. Once an object is parsed and checked, each empty collection is swapped for the shared
 * immutable empty one (readers see no difference; the store never mutates its objects) and each
 * list is trimmed to its size. Strings are interned: a pod's label keys and values, image, port
 * names, condition types repeat across thousands of pods, and the YAML parser made a new copy of
 * each (the JVM's string table holds interned strings weakly, so a unique name costs no heap).
 * Measured with bench/xds.sh: heap per stored pod roughly halves.
 */
final class ModelCompactor {

    private static final String MODEL_PACKAGE = "io.fabric8.kubernetes.api.model";
    private static final Map<Class<?>, List<Field>> FIELDS = new ConcurrentHashMap<>();

    private ModelCompactor() {
    }

    static void compact(Object value) {
        compact(value, 0);
    }

    private static void compact(Object value, int depth) {
        if (value == null || depth > KubeYamlParser.MAX_DEPTH) {
            return;
        }
        if (value instanceof List<?> list) {
            list.forEach(item -> compact(item, depth + 1));
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.values().forEach(item -> compact(item, depth + 1));
            return;
        }
        if (!value.getClass().getName().startsWith(MODEL_PACKAGE)) {
            return;
        }
        for (Field field : fields(value.getClass())) {
            try {
                Object member = field.get(value);
                if (member instanceof String text) {
                    field.set(value, text.intern());
                } else if (member instanceof List<?> list && list.isEmpty()) {
                    field.set(value, List.of());
                } else if (member instanceof Map<?, ?> map && map.isEmpty()) {
                    field.set(value, Map.of());
                } else if (member instanceof Map<?, ?> map && isStringMap(map)) {
                    // labels, selectors, annotations: immutable and array-backed (their order means nothing)
                    Map<String, String> interned = new java.util.HashMap<>(map.size() * 2);
                    map.forEach((k, v) -> interned.put(((String) k).intern(), ((String) v).intern()));
                    field.set(value, Map.copyOf(interned));
                } else {
                    if (member instanceof ArrayList<?> list) {
                        list.trimToSize();
                    }
                    compact(member, depth + 1);
                }
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("cannot compact " + field, e);
            }
        }
    }

    private static boolean isStringMap(Map<?, ?> map) {
        for (var entry : map.entrySet()) {
            if (!(entry.getKey() instanceof String) || !(entry.getValue() instanceof String)) {
                return false;
            }
        }
        return true;
    }

    /** The instance fields of a model class (and its model superclasses) that can hold collections or model objects. */
    private static List<Field> fields(Class<?> type) {
        return FIELDS.computeIfAbsent(type, t -> {
            List<Field> fields = new ArrayList<>();
            for (Class<?> c = t; c != null && c.getName().startsWith(MODEL_PACKAGE); c = c.getSuperclass()) {
                for (Field field : c.getDeclaredFields()) {
                    if (!Modifier.isStatic(field.getModifiers()) && !field.getType().isPrimitive()
                            && !Number.class.isAssignableFrom(field.getType()) && !field.getType().equals(Boolean.class)) {
                        field.setAccessible(true);
                        fields.add(field);
                    }
                }
            }
            return List.copyOf(fields);
        });
    }
}
