package io.ambit.ztunnel.state;

import java.net.InetAddress;

/** An IP on a network; {@code ""} is the local (default) network. */
public record NetworkAddress(String network, InetAddress address) {

    public boolean local() {
        return network.isEmpty();
    }
}
