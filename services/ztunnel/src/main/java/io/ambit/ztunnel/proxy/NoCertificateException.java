package io.ambit.ztunnel.proxy;

import io.ambit.identity.SpiffeId;

/** The source workload's certificate could not be obtained, so no tunnel could be opened for it. */
final class NoCertificateException extends RuntimeException {

    NoCertificateException(SpiffeId identity, Throwable cause) {
        super("no certificate for " + identity + ": " + (cause.getCause() != null ? cause.getCause() : cause).getMessage(), cause);
    }
}
