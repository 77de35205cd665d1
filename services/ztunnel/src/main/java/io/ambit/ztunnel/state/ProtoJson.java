package io.ambit.ztunnel.state;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * ztunnel's resources as protobuf JSON ({@link JsonFormat}, camelCase field names) with one
 * difference: IP address fields, {@code bytes} on the wire, are IP literal strings
 * ({@code "10.244.1.10"}) instead of base64, in both directions. So an operator writes addresses
 * as addresses in a local config file, and what {@code /config_dump} prints can be pasted into one.
 *
 * <p>Reading never resolves a host name: only literals are accepted, and IPv4 only in the dotted
 * quad form without leading zeros ({@code 010.0.0.1} and {@code 10.1} are ambiguous, not "wrong").
 */
public final class ProtoJson {

    /** Every field of the state's messages that holds an IP address as bytes. */
    private static final Set<String> IP_FIELDS = Set.of(
            "istio.workload.Workload.addresses",
            "istio.workload.NetworkAddress.address",
            "istio.security.Address.address");

    private static final Pattern DOTTED_QUAD =
            Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");

    static final JsonMapper JSON = JsonMapper.builder().build();
    // No ignoringUnknownFields: a misspelt field must be an error, not a silently missing setting.
    private static final JsonFormat.Parser PARSER = JsonFormat.parser();
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();

    private ProtoJson() {
    }

    /**
     * The message as protobuf JSON with IP literals.
     *
     * @throws InvalidProtocolBufferException when it cannot be printed (an {@code Any} of a type
     *         this ztunnel does not know, in an extension)
     */
    public static ObjectNode print(MessageOrBuilder message) throws InvalidProtocolBufferException {
        ObjectNode json = (ObjectNode) JSON.readTree(PRINTER.print(message));
        try {
            walk(json, message.getDescriptorForType(), "", ProtoJson::bytesToLiteral);
        } catch (InvalidResourceException e) {
            throw new IllegalStateException("printing converts what it can and refuses nothing", e);
        }
        return json;
    }

    /**
     * Merges protobuf JSON with IP literals into {@code builder}; the JSON is changed in place.
     *
     * @param path where the object is in its file, for messages ({@code workloads[2]})
     * @throws InvalidResourceException naming the field: an unknown field, a value of the wrong
     *         type, an address that is not an IP literal
     */
    static <B extends Message.Builder> B parse(ObjectNode json, B builder, String path) throws InvalidResourceException {
        walk(json, builder.getDescriptorForType(), path, ProtoJson::literalToBytes);
        try {
            PARSER.merge(JSON.writeValueAsString(json), builder);
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidResourceException(path + ": " + e.getMessage());
        }
        return builder;
    }

    @FunctionalInterface
    private interface Conversion {
        JsonNode convert(JsonNode value, String path) throws InvalidResourceException;
    }

    /**
     * Follows the message's descriptor through the JSON, converting each IP field's values. Keys
     * that name no field are left for {@link JsonFormat} to refuse; only Istio's own messages are
     * entered (well-known types have their own JSON forms and no addresses).
     */
    private static void walk(ObjectNode json, Descriptor type, String path, Conversion conversion) throws InvalidResourceException {
        for (Map.Entry<String, JsonNode> property : new ArrayList<>(json.properties())) {
            FieldDescriptor field = field(type, property.getKey());
            JsonNode value = property.getValue();
            if (field == null || value == null || value.isNull()) {
                continue;
            }
            String at = path + "." + property.getKey();
            if (field.isMapField()) {
                FieldDescriptor valueField = field.getMessageType().findFieldByName("value");
                if (value instanceof ObjectNode map && enter(valueField)) {
                    for (Map.Entry<String, JsonNode> entry : map.properties()) {
                        if (entry.getValue() instanceof ObjectNode object) {
                            walk(object, valueField.getMessageType(), at + "[\"" + entry.getKey() + "\"]", conversion);
                        }
                    }
                }
            } else if (field.isRepeated() && value instanceof ArrayNode array) {
                for (int i = 0; i < array.size(); i++) {
                    JsonNode converted = single(field, array.get(i), at + "[" + i + "]", conversion);
                    if (converted != null) {
                        array.set(i, converted);
                    }
                }
            } else {
                JsonNode converted = single(field, value, at, conversion);
                if (converted != null) {
                    json.set(property.getKey(), converted);
                }
            }
        }
    }

    /** The converted value of an IP field, or null when there is nothing to replace. */
    private static JsonNode single(FieldDescriptor field, JsonNode value, String path, Conversion conversion)
            throws InvalidResourceException {
        if (IP_FIELDS.contains(field.getFullName())) {
            return conversion.convert(value, path);
        }
        if (enter(field) && value instanceof ObjectNode object) {
            walk(object, field.getMessageType(), path, conversion);
        }
        return null;
    }

    private static boolean enter(FieldDescriptor field) {
        return field.getJavaType() == FieldDescriptor.JavaType.MESSAGE
                && field.getMessageType().getFile().getPackage().startsWith("istio.");
    }

    /** JsonFormat accepts both the JSON name and the proto name of a field; so does this. */
    private static FieldDescriptor field(Descriptor type, String key) {
        FieldDescriptor byName = type.findFieldByName(key);
        if (byName != null) {
            return byName;
        }
        for (FieldDescriptor field : type.getFields()) {
            if (field.getJsonName().equals(key)) {
                return field;
            }
        }
        return null;
    }

    private static JsonNode literalToBytes(JsonNode value, String path) throws InvalidResourceException {
        if (!value.isString()) {
            throw new InvalidResourceException(path + ": an IP address is written as a string such as \"10.244.1.10\", not "
                    + value.getNodeType().name().toLowerCase());
        }
        try {
            return JSON.getNodeFactory().stringNode(Base64.getEncoder().encodeToString(ipLiteral(value.asString()).getAddress()));
        } catch (IllegalArgumentException e) {
            throw new InvalidResourceException(path + ": " + e.getMessage());
        }
    }

    private static JsonNode bytesToLiteral(JsonNode value, String path) {
        if (!value.isString()) {
            return null;
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(value.asString());
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (bytes.length != 4 && bytes.length != 16) {
            return null; // not an address: the state refuses such a resource, so only hand-made messages get here
        }
        try {
            return JSON.getNodeFactory().stringNode(InetAddress.getByAddress(bytes).getHostAddress());
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes always form an address", e);
        }
    }

    /**
     * An IP literal, never a name to look up.
     *
     * @throws IllegalArgumentException saying what is accepted
     */
    static InetAddress ipLiteral(String text) {
        String shown = "\"" + ResourceParser.truncate(text) + "\"";
        if (text.indexOf('%') >= 0 || text.indexOf('[') >= 0) {
            throw new IllegalArgumentException(shown + " is not a plain IP literal (no zone, no brackets)");
        }
        boolean v6 = text.indexOf(':') >= 0;
        if (v6 || DOTTED_QUAD.matcher(text).matches()) {
            try {
                return v6 ? Inet6Address.ofLiteral(text) : Inet4Address.ofLiteral(text);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(shown + " is not an IP address literal", e);
            }
        }
        throw new IllegalArgumentException(shown + " is not an IP address literal (IPv4 as a.b.c.d, or IPv6);"
                + " host names are not looked up");
    }
}
