package io.ambit.admin.api;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.ambit.admin.upstream.Upstream;
import tools.jackson.databind.JsonNode;

/** A translated resource as protobuf JSON (Istio's field names), for "as translated". */
final class ProtoPrint {

    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();

    private ProtoPrint() {
    }

    static JsonNode json(MessageOrBuilder message) {
        try {
            return Upstream.JSON.readTree(PRINTER.print(message));
        } catch (InvalidProtocolBufferException e) {
            return Upstream.JSON.getNodeFactory().stringNode("unprintable: " + e.getMessage());
        }
    }
}
