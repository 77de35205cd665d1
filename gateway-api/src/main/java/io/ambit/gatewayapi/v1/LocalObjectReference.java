package io.ambit.gatewayapi.v1;

/** {@code extensionRef}: an implementation-specific filter in the route's namespace. */
public record LocalObjectReference(String group, String kind, String name) {

    public LocalObjectReference {
        Checks.required(kind, "kind");
        Checks.required(name, "name");
    }
}
