package io.ambit.ztunnel.state;

import java.io.StringReader;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.ambit.proto.security.Authorization;
import io.ambit.proto.workload.Address;
import io.ambit.proto.workload.Service;
import io.ambit.proto.workload.Workload;
import io.ambit.xdsclient.XdsTypes;
import io.ambit.xdsclient.XdsUpdate;
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
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A local config file, read (Istio ztunnel's {@code LOCAL_XDS_PATH}): the whole xDS state as one
 * YAML document with the lists {@code workloads}, {@code services} and {@code policies}, each
 * entry an {@code istio.workload.Workload}, {@code istio.workload.Service} or
 * {@code istio.security.Authorization} in protobuf JSON form with IP literals ({@link ProtoJson}), or
 * in Istio ztunnel's own local config shape ({@link ZtunnelLocalFormat}), entry by entry.
 *
 * <p>This class only reads; the entries are validated by the same parsers as xDS resources when
 * {@link LocalConfigLoader} applies them. YAML is composed with SnakeYAML's safe loader (as
 * xds-server's {@code KubeYamlParser} does): nesting bounded, duplicate keys refused, aliases of
 * lists and maps refused (they would let a small file expand without bound), one document only.
 */
public final class LocalConfig {

    /** A larger file is refused before it is read. */
    public static final int MAX_BYTES = 16 * 1024 * 1024;
    static final int MAX_DEPTH = 64;
    /** The version every resource from a local file carries; xDS versions mean nothing here. */
    static final String VERSION = "local";

    /** A top-level list, and the resource type its entries become. */
    public enum Section {
        WORKLOADS("workloads", XdsTypes.ADDRESS),
        SERVICES("services", XdsTypes.ADDRESS),
        POLICIES("policies", XdsTypes.AUTHORIZATION);

        private final String key;
        private final String typeUrl;

        Section(String key, String typeUrl) {
            this.key = key;
            this.typeUrl = typeUrl;
        }

        /** How the file names it. */
        public String key() {
            return key;
        }

        public String typeUrl() {
            return typeUrl;
        }

        private Message.Builder builder() {
            return switch (this) {
                case WORKLOADS -> Workload.newBuilder();
                case SERVICES -> Service.newBuilder();
                case POLICIES -> Authorization.newBuilder();
            };
        }

        /** The name xDS would give it; null when a part is missing (the validator says which). */
        private String name(Message message) {
            return switch (message) {
                case Workload w -> w.getUid().isEmpty() ? null : w.getUid();
                case Service s -> s.getNamespace().isEmpty() || s.getHostname().isEmpty() ? null : s.getNamespace() + "/" + s.getHostname();
                case Authorization a -> a.getNamespace().isEmpty() || a.getName().isEmpty() ? null : a.getNamespace() + "/" + a.getName();
                default -> throw new IllegalArgumentException(message.getDescriptorForType().getFullName());
            };
        }

        private Any body(Message message) {
            return switch (message) {
                case Workload w -> Any.pack(Address.newBuilder().setWorkload(w).build());
                case Service s -> Any.pack(Address.newBuilder().setService(s).build());
                default -> Any.pack(message);
            };
        }
    }

    /**
     * One entry of the file.
     *
     * @param index   its position in its section's list
     * @param line    where it starts (1-based)
     * @param message what it says
     * @param name    its resource name (uid, {@code namespace/hostname}, {@code namespace/name}); the
     *                label when a part of that is missing, so the validator refuses it with the reason
     */
    public record Entry(Section section, int index, int line, Message message, String name) {

        /** How errors name it: {@code workloads[2] (line 14)}. */
        public String label() {
            return section.key() + "[" + index + "] (line " + line + ")";
        }

        /** The entry as the resource an xDS server would have sent. */
        public XdsUpdate.Resource resource() {
            return new XdsUpdate.Resource(name, VERSION, section.body(message));
        }
    }

    private final List<Entry> entries;

    private LocalConfig(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /** Every entry, in file order, section by section. */
    public List<Entry> entries() {
        return entries;
    }

    /** The entries that become resources of this type. */
    public List<Entry> entries(String typeUrl) {
        return entries.stream().filter(e -> e.section().typeUrl().equals(typeUrl)).toList();
    }

    /**
     * Reads a file's content.
     *
     * @param source how messages name the file
     * @throws LocalConfigException with every problem found, each naming its entry and field
     */
    public static LocalConfig parse(String source, byte[] yaml) throws LocalConfigException {
        if (yaml.length > MAX_BYTES) {
            throw new LocalConfigException(source, List.of("the file has " + yaml.length + " bytes, more than the " + MAX_BYTES
                    + " a local config may have"));
        }
        Node root = compose(source, yaml);
        if (root == null || isNull(root)) {
            throw new LocalConfigException(source, List.of("the file is empty; an empty state is written \"workloads: []\""));
        }
        if (!(root instanceof MappingNode top)) {
            throw new LocalConfigException(source, List.of(line(root) + ": the top level must be a mapping with "
                    + "workloads, services and policies"));
        }
        List<String> problems = new ArrayList<>();
        List<Entry> entries = new ArrayList<>();
        Map<String, Section> seen = new HashMap<>();
        for (NodeTuple tuple : top.getValue()) {
            String key = tuple.getKeyNode() instanceof ScalarNode k ? k.getValue() : null;
            Section section = section(key);
            if (section == null) {
                problems.add(line(tuple.getKeyNode()) + ": unknown top-level key " + (key == null ? "(not a string)" : "\"" + key + "\"")
                        + "; expected workloads, services, policies");
            } else if (seen.put(key, section) != null) {
                problems.add(line(tuple.getKeyNode()) + ": " + key + " appears twice");
            } else {
                read(section, tuple.getValueNode(), entries, problems);
            }
        }
        checkUniqueNames(entries, problems);
        if (!problems.isEmpty()) {
            throw new LocalConfigException(source, problems);
        }
        return new LocalConfig(entries);
    }

    private static Node compose(String source, byte[] yaml) throws LocalConfigException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(yaml)).toString();
        } catch (CharacterCodingException e) {
            throw new LocalConfigException(source, "the file is not UTF-8 text", e);
        }
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(0);
        options.setNestingDepthLimit(MAX_DEPTH);
        options.setCodePointLimit(MAX_BYTES);
        try {
            return new Yaml(new SafeConstructor(options)).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            String at = e.getProblemMark() == null ? "" : "line " + (e.getProblemMark().getLine() + 1) + ": ";
            throw new LocalConfigException(source, at + "not valid YAML: " + e.getProblem(), e);
        } catch (YAMLException e) {
            throw new LocalConfigException(source, "not valid YAML: " + e.getMessage(), e);
        }
    }

    private static Section section(String key) {
        for (Section section : Section.values()) {
            if (section.key().equals(key)) {
                return section;
            }
        }
        return null;
    }

    private static void read(Section section, Node list, List<Entry> entries, List<String> problems) {
        if (isNull(list)) {
            return; // "workloads:" with nothing under it: none
        }
        if (!(list instanceof SequenceNode sequence)) {
            problems.add(line(list) + ": " + section.key() + " must be a list");
            return;
        }
        for (int i = 0; i < sequence.getValue().size(); i++) {
            Node item = sequence.getValue().get(i);
            String label = section.key() + "[" + i + "] (line " + (item.getStartMark().getLine() + 1) + ")";
            try {
                if (!(item instanceof MappingNode)) {
                    throw new InvalidResourceException(section.key() + "[" + i + "]: must be a mapping");
                }
                ObjectNode json = (ObjectNode) toJson(item, section.key() + "[" + i + "]");
                if (ZtunnelLocalFormat.isZtunnelShape(section, json)) {
                    json = ZtunnelLocalFormat.convert(section, json, section.key() + "[" + i + "]");
                }
                Message message = ProtoJson.parse(json, section.builder(), section.key() + "[" + i + "]").build();
                String name = section.name(message);
                entries.add(new Entry(section, i, item.getStartMark().getLine() + 1, message, name == null ? label : name));
            } catch (InvalidResourceException e) {
                problems.add(label + ": " + withoutPrefix(e.getMessage(), section.key() + "[" + i + "]"));
            }
        }
    }

    /** Workloads and services share the Address type's names; two entries with one name would silently merge. */
    private static void checkUniqueNames(List<Entry> entries, List<String> problems) {
        Map<String, Entry> byName = new HashMap<>();
        for (Entry entry : entries) {
            Entry before = byName.putIfAbsent(entry.section().typeUrl() + " " + entry.name(), entry);
            if (before != null) {
                problems.add(entry.label() + ": has the same name \"" + entry.name() + "\" as " + before.label());
            }
        }
    }

    /** YAML to a JSON tree, scalars by their resolved tags; keys must be plain and unique. */
    private static JsonNode toJson(Node node, String path) throws InvalidResourceException {
        JsonNodeFactory nodes = ProtoJson.JSON.getNodeFactory();
        return switch (node) {
            case MappingNode mapping -> {
                ObjectNode object = nodes.objectNode();
                for (NodeTuple tuple : mapping.getValue()) {
                    if (!(tuple.getKeyNode() instanceof ScalarNode key)) {
                        throw new InvalidResourceException(path + ": a key must be a plain string (" + line(tuple.getKeyNode()) + ")");
                    }
                    if (object.has(key.getValue())) {
                        throw new InvalidResourceException(path + "." + key.getValue() + ": appears twice (" + line(key) + ")");
                    }
                    object.set(key.getValue(), toJson(tuple.getValueNode(), path + "." + key.getValue()));
                }
                yield object;
            }
            case SequenceNode sequence -> {
                ArrayNode array = nodes.arrayNode();
                for (int i = 0; i < sequence.getValue().size(); i++) {
                    array.add(toJson(sequence.getValue().get(i), path + "[" + i + "]"));
                }
                yield array;
            }
            case ScalarNode scalar -> scalar(scalar, nodes);
            default -> throw new InvalidResourceException(path + ": unsupported YAML (" + line(node) + ")");
        };
    }

    /**
     * Only {@code true}/{@code false} are booleans (YAML 1.1's {@code yes}/{@code no}/{@code on}/{@code off}
     * stay strings, so a namespace called {@code no} is not read as {@code false}); numbers that
     * are not plain decimals stay strings and JsonFormat says whether the field takes them.
     */
    private static JsonNode scalar(ScalarNode scalar, JsonNodeFactory nodes) {
        Tag tag = scalar.getTag();
        String text = scalar.getValue();
        if (Tag.NULL.equals(tag)) {
            return nodes.nullNode();
        }
        if (Tag.BOOL.equals(tag) && (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false"))) {
            return nodes.booleanNode(text.toLowerCase(Locale.ROOT).equals("true"));
        }
        try {
            if (Tag.INT.equals(tag)) {
                return nodes.numberNode(new BigInteger(text.replace("_", "")));
            }
            if (Tag.FLOAT.equals(tag)) {
                return nodes.numberNode(new BigDecimal(text));
            }
        } catch (NumberFormatException e) {
            // 0x1F, .inf and friends: left as written
        }
        return nodes.stringNode(text);
    }

    private static boolean isNull(Node node) {
        return node instanceof ScalarNode scalar && Tag.NULL.equals(scalar.getTag());
    }

    private static String line(Node node) {
        return "line " + (node.getStartMark().getLine() + 1);
    }

    /** Errors carry the entry's path; the label says it already. */
    private static String withoutPrefix(String message, String path) {
        if (message.startsWith(path + ": ")) {
            return message.substring(path.length() + 2);
        }
        if (message.startsWith(path + ".")) {
            return message.substring(path.length() + 1);
        }
        return message;
    }
}
