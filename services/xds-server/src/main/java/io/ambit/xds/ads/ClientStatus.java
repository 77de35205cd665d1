package io.ambit.xds.ads;

import java.util.List;
import java.util.Map;

/**
 * One connected client as the debug endpoint shows it: who it is, and per type what it subscribed
 * to, how many resources it holds, the last generation it ACKed and its NACKs.
 */
public record ClientStatus(long id, String peer, String node, String remote, String connectedAt,
                           Map<String, TypeStatus> types) {

    public record TypeStatus(boolean served, List<String> subscribed, int resources, long ackedGeneration,
                             String ackedNonce, long acks, long nacks, long staleNonces, int pendingNames,
                             NackStatus lastNack) {
    }

    public record NackStatus(String nonce, String message, String at) {
    }
}
