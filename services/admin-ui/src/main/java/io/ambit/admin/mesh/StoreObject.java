package io.ambit.admin.mesh;

import tools.jackson.databind.JsonNode;

/** An object of the config store as written, with the file and line it came from. */
public record StoreObject(String kind, String namespace, String name, String source, int line, JsonNode object) {

    public String key() {
        return namespace.isEmpty() ? name : namespace + "/" + name;
    }

    public JsonNode spec() {
        return object.path("spec");
    }

    public JsonNode labels() {
        return object.path("metadata").path("labels");
    }

    public String label(String name) {
        JsonNode value = labels().path(name);
        return value.isString() ? value.asString() : null;
    }
}
