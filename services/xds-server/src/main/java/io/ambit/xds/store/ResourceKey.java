package io.ambit.xds.store;

/** Identity of an object in the store: kind, namespace (empty for cluster-scoped kinds), name. */
public record ResourceKey(String kind, String namespace, String name) {

    @Override
    public String toString() {
        return kind + " " + (namespace.isEmpty() ? "" : namespace + "/") + name;
    }
}
