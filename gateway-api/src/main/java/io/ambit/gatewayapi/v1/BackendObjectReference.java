package io.ambit.gatewayapi.v1;

/** A backend: a Service by default ({@code group} "" and {@code kind} Service), or e.g. an Istio ServiceEntry by hostname. */
public record BackendObjectReference(String group, String kind, String name, String namespace, Integer port) {

    public BackendObjectReference {
        Checks.required(name, "name");
        Checks.port(port, "port");
    }
}
