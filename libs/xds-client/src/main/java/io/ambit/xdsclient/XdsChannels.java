package io.ambit.xdsclient;

/** Transport limits shared by the xDS server and its clients. */
public final class XdsChannels {

    /**
     * The largest message either side accepts. The server splits its responses well below this
     * (see the server's chunking); the limit is a guard against a hostile peer, not a budget.
     */
    public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    private XdsChannels() {
    }
}
