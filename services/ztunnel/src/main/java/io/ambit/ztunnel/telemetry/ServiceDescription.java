package io.ambit.ztunnel.telemetry;

import io.ambit.ztunnel.state.Service;

/**
 * The destination service as Istio's ztunnel labels it ({@code ServiceDescription} in its
 * {@code state/service.rs}): hostname, name and namespace, each taken from the Service resource,
 * never split from the hostname (a ServiceEntry's host says nothing about its name or namespace).
 */
public record ServiceDescription(String hostname, String name, String namespace) {

    public static ServiceDescription of(Service service) {
        return new ServiceDescription(service.hostname(), service.name(), service.namespace());
    }
}
