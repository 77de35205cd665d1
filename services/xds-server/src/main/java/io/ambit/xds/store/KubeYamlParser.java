package io.ambit.xds.store;

import java.io.StringReader;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import io.ambit.gatewayapi.istio.IstioSpecs;
import io.ambit.xds.store.ConfigException.Problem;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads multi-document Kubernetes YAML strictly. A document with an unknown {@code kind}, an
 * unknown field (at any depth, for kinds with a model) or a value of the wrong type is refused,
 * and the error names the source, the line and the field path. YAML is read with SnakeYAML's safe
 * constructor, duplicate keys refused, aliases and nesting bounded, so a hostile file costs
 * nothing but an error.
 */
public final class KubeYamlParser {

    /** One object read from YAML, with where it came from. */
    public record Parsed(ResourceKey key, HasMetadata object, String source, int line) {
    }

    static final int MAX_DEPTH = 64;
    /** Jackson does not cache serialization introspection; every object of a kind would redo it. */
    private static final Map<Class<?>, BeanDescription> DESCRIPTIONS = new java.util.concurrent.ConcurrentHashMap<>();
    static final int MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;

    /** fabric8's Kubernetes-aware mapper, configured by KubernetesSerialization. */
    private static final ObjectMapper MAPPER = new ObjectMapper();

    static {
        new KubernetesSerialization(MAPPER, true);
    }

    private KubeYamlParser() {
    }

    /** The object as Kubernetes JSON (fabric8's own mapper, so quantities and int-or-strings print as written). */
    public static String toJson(HasMetadata object) {
        try {
            return MAPPER.writeValueAsString(object);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("BUG: a parsed object does not print as JSON: " + e.getMessage(), e);
        }
    }

    /** Parses every document; throws with all problems found if any document is refused. */
    public static List<Parsed> parse(String source, String text) {
        return parse(source, text, true);
    }

    /**
     * For deletion, which needs only the objects' keys: as {@link #parse}, but a {@code spec} is
     * not bound to its model, so {@code kubectl delete -f}-style YAML with metadata only works for
     * kinds whose spec has required fields.
     */
    public static List<Parsed> parseKeys(String source, String text) {
        return parse(source, text, false);
    }

    private static List<Parsed> parse(String source, String text, boolean checkSpecs) {
        List<Parsed> parsed = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        if (text.length() > MAX_DOCUMENT_BYTES) {
            throw new ConfigException(List.of(new Problem(source, 1, "", "file is larger than " + MAX_DOCUMENT_BYTES + " bytes")));
        }
        try {
            for (Node document : yaml().composeAll(new StringReader(text))) {
                if (document == null || isEmpty(document)) {
                    continue; // "---" at the end of a file, as kubectl accepts
                }
                try {
                    parsed.add(parseDocument(source, document, checkSpecs));
                } catch (ConfigException e) {
                    problems.addAll(e.problems());
                }
            }
        } catch (MarkedYAMLException e) {
            problems.add(new Problem(source, e.getProblemMark() == null ? 1 : e.getProblemMark().getLine() + 1, "",
                    "not valid YAML: " + e.getProblem()));
        } catch (YAMLException e) {
            problems.add(new Problem(source, 1, "", "not valid YAML: " + e.getMessage()));
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return parsed;
    }

    private static Yaml yaml() {
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(20);
        options.setNestingDepthLimit(MAX_DEPTH);
        options.setCodePointLimit(MAX_DOCUMENT_BYTES);
        return new Yaml(new SafeConstructor(options));
    }

    private static boolean isEmpty(Node document) {
        return document instanceof org.yaml.snakeyaml.nodes.ScalarNode scalar
                && org.yaml.snakeyaml.nodes.Tag.NULL.equals(scalar.getTag()) && scalar.getValue().isEmpty();
    }

    private static Parsed parseDocument(String source, Node document, boolean checkSpecs) {
        int line = document.getStartMark().getLine() + 1;
        if (!(document instanceof MappingNode)) {
            throw single(source, line, "", "a document must be a Kubernetes object (a mapping)");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> tree = (Map<String, Object>) toJava(document, source, 0);
        String apiVersion = string(tree, "apiVersion", source, document);
        String kindName = string(tree, "kind", source, document);
        Kinds.Kind kind = Kinds.find(apiVersion, kindName).orElseThrow(() -> single(source, lineOf(document, List.of("kind")),
                "kind", "unknown kind " + kindName + " (apiVersion " + apiVersion + "); known: " + Kinds.known()));

        HasMetadata object;
        try {
            object = MAPPER.convertValue(tree, kind.type());
        } catch (IllegalArgumentException e) {
            JsonMappingException mapping = e.getCause() instanceof JsonMappingException m ? m : null;
            List<Object> path = mapping == null ? List.of() : mapping.getPath().stream()
                    .map(r -> r.getFieldName() != null ? (Object) r.getFieldName() : (Object) r.getIndex()).toList();
            throw single(source, lineOf(document, path), fieldPath(path),
                    "wrong type: " + (mapping == null ? e.getMessage() : mapping.getOriginalMessage()));
        }

        List<Problem> problems = new ArrayList<>();
        if (object instanceof GenericKubernetesResource) {
            for (String field : tree.keySet()) {
                if (!Kinds.GENERIC_TOP_LEVEL.contains(field)) {
                    problems.add(new Problem(source, lineOf(document, List.of(field)), field, "unknown field"));
                }
            }
            checkUnknownFields(object.getMetadata(), new ArrayList<>(List.of("metadata")), source, document, problems);
            if (kind.specType() != null && checkSpecs) {
                checkSpec(tree.get("spec"), kind.specType(), source, document, problems);
            }
        } else {
            checkUnknownFields(object, new ArrayList<>(), source, document, problems);
        }
        if (object.getMetadata() == null || object.getMetadata().getName() == null || object.getMetadata().getName().isBlank()) {
            problems.add(new Problem(source, line, "metadata.name", "missing"));
        }
        String namespace = object.getMetadata() == null ? null : object.getMetadata().getNamespace();
        if (!kind.namespaced() && namespace != null) {
            problems.add(new Problem(source, lineOf(document, List.of("metadata", "namespace")), "metadata.namespace",
                    kind.kind() + " is cluster-scoped: metadata.namespace must not be set"));
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        if (kind.namespaced() && namespace == null) {
            object.getMetadata().setNamespace("default");
        }
        String ns = kind.namespaced() ? object.getMetadata().getNamespace() : "";
        ModelCompactor.compact(object);
        return new Parsed(new ResourceKey(kind.kind(), ns, object.getMetadata().getName()), object, source, line);
    }

    /** Binds {@code spec} to its strict model; a failure becomes a problem at the field's line. */
    private static void checkSpec(Object spec, Class<?> specType, String source, Node document, List<Problem> problems) {
        try {
            IstioSpecs.bind(spec, specType);
        } catch (IllegalArgumentException e) {
            JsonMappingException mapping = e.getCause() instanceof JsonMappingException m ? m : null;
            List<Object> path = new ArrayList<>(List.of("spec"));
            if (mapping != null) {
                mapping.getPath().forEach(r -> path.add(r.getFieldName() != null ? r.getFieldName() : (Object) r.getIndex()));
            }
            // a model's own check (a record constructor) says what is wrong in its words
            String message = mapping instanceof UnrecognizedPropertyException ? "unknown field"
                    : mapping instanceof ValueInstantiationException vie && vie.getCause() instanceof IllegalArgumentException own
                            ? own.getMessage()
                            : "wrong type or value: " + (mapping == null ? e.getMessage() : mapping.getOriginalMessage());
            problems.add(new Problem(source, lineOf(document, path), fieldPath(path), message));
        }
    }

    /**
     * fabric8's model classes keep unknown fields in {@code additionalProperties} instead of
     * failing, so every bound object is walked, and anything left there is reported.
     */
    private static void checkUnknownFields(Object value, List<Object> path, String source, Node document, List<Problem> problems) {
        if (value == null || path.size() > MAX_DEPTH) {
            return;
        }
        if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                path.add(i);
                checkUnknownFields(list.get(i), path, source, document, problems);
                path.removeLast();
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            for (var entry : map.entrySet()) {
                path.add(String.valueOf(entry.getKey()));
                checkUnknownFields(entry.getValue(), path, source, document, problems);
                path.removeLast();
            }
            return;
        }
        if (!value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        BeanDescription description = DESCRIPTIONS.computeIfAbsent(value.getClass(),
                type -> MAPPER.getSerializationConfig().introspect(MAPPER.constructType(type)));
        try {
            Method getter = value.getClass().getMethod("getAdditionalProperties");
            Map<?, ?> extra = (Map<?, ?>) getter.invoke(value);
            if (extra != null) {
                for (Object field : extra.keySet()) {
                    List<Object> at = new ArrayList<>(path);
                    at.add(String.valueOf(field));
                    // fabric8 parks a value of the wrong type for a known field here too
                    boolean known = description.findProperties().stream().anyMatch(p -> p.getName().equals(field));
                    problems.add(new Problem(source, lineOf(document, at), fieldPath(at), known ? "wrong type" : "unknown field"));
                }
            }
        } catch (NoSuchMethodException e) {
            // a model class without additional properties cannot hide unknown fields
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        for (BeanPropertyDefinition property : description.findProperties()) {
            if (!property.hasGetter() || property.getName().equals("additionalProperties")) {
                continue;
            }
            path.add(property.getName());
            checkUnknownFields(property.getGetter().getValue(value), path, source, document, problems);
            path.removeLast();
        }
    }

    private static String string(Map<String, Object> tree, String field, String source, Node document) {
        Object value = tree.get(field);
        if (!(value instanceof String text) || text.isBlank()) {
            throw single(source, document.getStartMark().getLine() + 1, field, value == null ? "missing" : "must be a string");
        }
        return text;
    }

    /** SnakeYAML nodes to plain Java values, resolving scalars by their tags. */
    private static Object toJava(Node node, String source, int depth) {
        if (depth > MAX_DEPTH) {
            throw single(source, node.getStartMark().getLine() + 1, "", "nesting deeper than " + MAX_DEPTH);
        }
        return switch (node) {
            case MappingNode mapping -> {
                Map<String, Object> map = new LinkedHashMap<>();
                for (NodeTuple tuple : mapping.getValue()) {
                    if (!(tuple.getKeyNode() instanceof ScalarNode key)) {
                        throw single(source, tuple.getKeyNode().getStartMark().getLine() + 1, "", "keys must be plain strings");
                    }
                    if (map.containsKey(key.getValue())) {
                        throw single(source, key.getStartMark().getLine() + 1, key.getValue(), "duplicate key");
                    }
                    map.put(key.getValue(), toJava(tuple.getValueNode(), source, depth + 1));
                }
                yield map;
            }
            case SequenceNode sequence -> {
                List<Object> list = new ArrayList<>();
                for (Node item : sequence.getValue()) {
                    list.add(toJava(item, source, depth + 1));
                }
                yield list;
            }
            case ScalarNode scalar -> scalar(scalar);
            default -> throw single(source, node.getStartMark().getLine() + 1, "", "unsupported YAML node");
        };
    }

    private static Object scalar(ScalarNode scalar) {
        Tag tag = scalar.getTag();
        String text = scalar.getValue();
        if (Tag.NULL.equals(tag)) {
            return null;
        }
        if (Tag.BOOL.equals(tag)) {
            return Boolean.parseBoolean(text.toLowerCase());
        }
        if (Tag.INT.equals(tag)) {
            try {
                // Integer where it fits: fabric8's IntOrString accepts only that.
                long value = Long.parseLong(text.replace("_", ""));
                return value == (int) value ? (Object) (int) value : (Object) value;
            } catch (NumberFormatException e) {
                return text;
            }
        }
        if (Tag.FLOAT.equals(tag)) {
            try {
                return Double.parseDouble(text);
            } catch (NumberFormatException e) {
                return text;
            }
        }
        return text;
    }

    /** The line of the node at {@code path}, or of the deepest part of it that exists. */
    static int lineOf(Node document, List<Object> path) {
        Node current = document;
        for (Object segment : path) {
            Node next = null;
            if (current instanceof MappingNode mapping && segment instanceof String key) {
                for (NodeTuple tuple : mapping.getValue()) {
                    if (tuple.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) {
                        // the key's line: where a reader looks for a field
                        if (segment == path.getLast()) {
                            return k.getStartMark().getLine() + 1;
                        }
                        next = tuple.getValueNode();
                    }
                }
            } else if (current instanceof SequenceNode sequence && segment instanceof Integer index
                    && index < sequence.getValue().size()) {
                next = sequence.getValue().get(index);
            }
            if (next == null) {
                break;
            }
            current = next;
        }
        return current.getStartMark().getLine() + 1;
    }

    static String fieldPath(List<Object> path) {
        StringBuilder text = new StringBuilder();
        for (Object segment : path) {
            if (segment instanceof Integer index) {
                text.append('[').append(index).append(']');
            } else {
                if (!text.isEmpty()) {
                    text.append('.');
                }
                text.append(segment);
            }
        }
        return text.toString();
    }

    private static ConfigException single(String source, int line, String field, String message) {
        return new ConfigException(List.of(new Problem(source, line, field, message)));
    }
}
