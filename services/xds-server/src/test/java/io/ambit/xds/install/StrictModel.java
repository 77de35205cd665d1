package io.ambit.xds.install;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * fabric8's model classes keep fields they do not know in {@code additionalProperties} instead of
 * failing. A manifest parses strictly when no object in its tree has any: every field is one the
 * Kubernetes API defines (a misspelt {@code readinesProbe} is found here, not by a cluster).
 */
final class StrictModel {

    private StrictModel() {
    }

    /** Paths of the unknown fields in {@code object}'s tree; empty when it is strict. */
    static List<String> unknownFields(Object object) {
        List<String> found = new ArrayList<>();
        walk(object, object.getClass().getSimpleName(), found, 0);
        return found;
    }

    private static void walk(Object value, String path, List<String> found, int depth) {
        if (value == null || depth > 40) {
            return;
        }
        if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                walk(list.get(i), path + "[" + i + "]", found, depth + 1);
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> walk(v, path + "[" + k + "]", found, depth + 1));
            return;
        }
        if (!value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || !getter.getName().startsWith("get") || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            Object child;
            try {
                child = getter.invoke(value);
            } catch (ReflectiveOperationException e) {
                continue;
            }
            String field = Character.toLowerCase(getter.getName().charAt(3)) + getter.getName().substring(4);
            if (field.equals("additionalProperties") && child instanceof Map<?, ?> extra) {
                // (a CRD schema's additionalProperties is a schema keyword, not a Map: walked below)
                extra.keySet().forEach(k -> found.add(path + "." + k));
            } else {
                walk(child, path + "." + field, found, depth + 1);
            }
        }
    }
}
