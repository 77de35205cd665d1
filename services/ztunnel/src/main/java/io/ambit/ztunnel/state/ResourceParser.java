package io.ambit.ztunnel.state;

import java.net.InetAddress;
import java.net.UnknownHostException;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.ambit.xdsclient.XdsUpdate;

/**
 * The unpacking every resource type shares (name present, body of the expected type and
 * decodable), leaving each subclass one {@link #doParse} that validates and converts, as grpc-java's
 * {@code XdsResourceType} does. Every refusal is an {@link InvalidResourceException} whose message
 * becomes the NACK reason.
 */
abstract sealed class ResourceParser<M extends Message, T> permits AddressParser, AuthorizationParser {

    /** Ports are {@code uint32} on the wire; anything past 65535 would silently wrap in a {@code u16}. */
    static final int MAX_PORT = 65535;

    private final Class<M> type;
    private final String typeName;

    ResourceParser(Class<M> type, String typeName) {
        this.type = type;
        this.typeName = typeName;
    }

    final T parse(XdsUpdate.Resource resource) throws InvalidResourceException {
        if (resource.name() == null || resource.name().isEmpty()) {
            throw new InvalidResourceException("resource has no name");
        }
        Any body = resource.body();
        if (body == null || (body.getTypeUrl().isEmpty() && body.getValue().isEmpty())) {
            throw new InvalidResourceException("resource has no body");
        }
        if (!body.is(type)) {
            throw new InvalidResourceException("body is of type \"" + truncate(body.getTypeUrl()) + "\", expected " + typeName);
        }
        M message;
        try {
            message = body.unpack(type);
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidResourceException("body does not decode as " + typeName + ": " + e.getMessage());
        }
        return doParse(resource.name(), message);
    }

    abstract T doParse(String name, M message) throws InvalidResourceException;

    static InetAddress ip(ByteString bytes, String field) throws InvalidResourceException {
        if (bytes.size() != 4 && bytes.size() != 16) {
            throw new InvalidResourceException(field + ": address has " + bytes.size() + " bytes; an IP has 4 (IPv4) or 16 (IPv6)");
        }
        try {
            return InetAddress.getByAddress(bytes.toByteArray());
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes always form an address", e);
        }
    }

    /** A destination port: 1-65535. */
    static int port(int value, String field) throws InvalidResourceException {
        if (value < 1 || value > MAX_PORT) {
            throw new InvalidResourceException(field + ": port " + Integer.toUnsignedString(value) + " is not in 1-65535");
        }
        return value;
    }

    /** A target port, where 0 means "not known here". */
    static int targetPort(int value, String field) throws InvalidResourceException {
        if (value < 0 || value > MAX_PORT) {
            throw new InvalidResourceException(field + ": port " + Integer.toUnsignedString(value) + " is not in 0-65535");
        }
        return value;
    }

    static void atMost(int count, int limit, String field) throws InvalidResourceException {
        if (count > limit) {
            throw new InvalidResourceException(field + ": " + count + " entries, more than the " + limit + " ztunnel accepts");
        }
    }

    /** Hostile input can be long; a NACK reason quotes at most this much of it. */
    static String truncate(String value) {
        return value.length() <= 100 ? value : value.substring(0, 100) + "…";
    }
}
