package io.ambit.xds.ads;

import java.util.Map;
import java.util.Set;

import io.grpc.Status;

/** One open ADS stream, delta or state of the world, as the service fans generations out to it. */
interface AdsStream {

    long id();

    /** The names that changed in a new generation, per type: reconsider them for this client. */
    void changed(Map<String, Set<String>> namesByType);

    /** Ends the stream from the server side. */
    void close(Status status);

    ClientStatus status();

    /** The {@code ISTIO_VERSION} of its node once its first request named the node, else null. */
    String istioVersion();
}
