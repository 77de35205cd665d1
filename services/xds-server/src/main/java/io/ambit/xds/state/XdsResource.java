package io.ambit.xds.state;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import com.google.protobuf.Any;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;

/**
 * One xDS resource: its name, its body, and a version derived from the body's content, so the
 * same content always carries the same version (a restarted server, or another replica, agrees
 * with what a client already has, and a reconnect with initial_resource_versions sends nothing).
 */
public record XdsResource(String name, Any body, String version) {

    public static XdsResource of(String name, Message message) {
        Any body = Any.pack(message);
        return new XdsResource(name, body, contentVersion(message));
    }

    /** SHA-256 of the deterministic serialization (map order fixed), first 16 hex digits. */
    static String contentVersion(Message message) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            out.useDeterministicSerialization();
            message.writeTo(out);
            out.flush();
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray()), 0, 8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
