package io.ambit.netns;

/**
 * The rules in a pod's namespace that send its TCP to ztunnel (DESIGN §4): outbound TCP not to
 * loopback and not marked → {@code outboundPort}; inbound TCP not to {@code hbonePort} and not
 * marked → {@code inboundPort}; kubelet probes exempt. Installed and removed while the pod runs.
 *
 * <p>Both operations are idempotent: installing twice leaves the same rules as installing once,
 * and {@link #remove} leaves the namespace's ruleset as it was before {@link #install}.
 */
public interface RedirectRules {

    /** "nftables" or "iptables". */
    String name();

    void install(NetNamespace pod) throws NetnsException;

    /** Removes what {@link #install} added; a no-op where nothing is installed. */
    void remove(NetNamespace pod) throws NetnsException;

    /**
     * What this node has: nftables when the {@code nft} command works, else iptables (which may
     * itself be the nf_tables or the legacy backend). nftables is preferred because a whole
     * table is replaced in one atomic transaction and removing it leaves no trace.
     */
    static RedirectRules detect(RedirectConfig config) throws NoRedirectBackendException {
        if (NftablesRules.available()) {
            return new NftablesRules(config);
        }
        if (IptablesRules.available()) {
            return new IptablesRules(config);
        }
        throw new NoRedirectBackendException("neither nft nor iptables works on this node (looked on PATH and in "
                + "/usr/sbin, /sbin); install nftables or iptables so pod traffic can be captured");
    }
}
