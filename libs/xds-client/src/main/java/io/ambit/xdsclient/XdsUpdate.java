package io.ambit.xdsclient;

import java.util.List;

import com.google.protobuf.Any;

/**
 * One delta response as the client's handler sees it.
 *
 * @param typeUrl  the resource type
 * @param updated  resources added or changed
 * @param removed  names the server removed
 */
public record XdsUpdate(String typeUrl, List<Resource> updated, List<String> removed) {

    public XdsUpdate {
        updated = List.copyOf(updated);
        removed = List.copyOf(removed);
    }

    /** A named, versioned resource body. */
    public record Resource(String name, String version, Any body) {
    }

    /** A resource the handler refused, and why: the client NACKs it with this reason. */
    public record Rejected(String name, String reason) {
    }
}
