package io.ambit.netns;

/** Neither {@code nft} nor {@code iptables} is usable on this node, so traffic cannot be captured. */
public final class NoRedirectBackendException extends NetnsException {

    NoRedirectBackendException(String message) {
        super(message);
    }
}
