package io.ambit.proto;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes protobuf wire format by hand: each call names the field number and the wire type
 * explicitly, so a test built from Istio's published numbers fails if our .proto disagrees. It
 * deliberately does not use protobuf-java's encoder.
 */
final class ProtoBytes {

    static final int VARINT = 0;
    static final int LEN = 2;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static ProtoBytes message() {
        return new ProtoBytes();
    }

    private void tag(int field, int wireType) {
        rawVarint(((long) field << 3) | wireType);
    }

    private void rawVarint(long value) {
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }

    ProtoBytes varint(int field, long value) {
        tag(field, VARINT);
        rawVarint(value);
        return this;
    }

    ProtoBytes bytes(int field, byte[] value) {
        tag(field, LEN);
        rawVarint(value.length);
        out.writeBytes(value);
        return this;
    }

    ProtoBytes string(int field, String value) {
        return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    ProtoBytes message(int field, ProtoBytes value) {
        return bytes(field, value.toByteArray());
    }

    /** A packed repeated varint field (proto3's default for repeated scalars). */
    ProtoBytes packed(int field, long... values) {
        ProtoBytes body = new ProtoBytes();
        for (long v : values) {
            body.rawVarint(v);
        }
        return bytes(field, body.toByteArray());
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }
}
