package io.ambit.ztunnel.capture;

import java.net.InetAddress;
import java.util.Optional;

import io.ambit.netns.NetNamespace;
import io.ambit.netns.NetNamespaces;
import io.ambit.netns.NetnsException;

/** Finds a pod's network namespace by the pod's IP (named namespaces, then /proc); tests may narrow it. */
@FunctionalInterface
public interface PodNamespaceFinder {

    Optional<NetNamespace> find(InetAddress podIp) throws NetnsException;

    static PodNamespaceFinder byAddress() {
        return NetNamespaces::findByAddress;
    }
}
