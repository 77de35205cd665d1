package io.ambit.tls;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

import io.ambit.identity.SpiffeId;
import io.ambit.identity.X509Svids;

/** The SPIFFE ID the peer of a completed mutual-TLS handshake proved. */
public final class PeerIdentities {

    private PeerIdentities() {
    }

    /** Empty when the peer sent no certificate (which a mesh context never allows). */
    public static Optional<SpiffeId> of(SSLSession session) {
        try {
            Certificate[] chain = session.getPeerCertificates();
            if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
                return Optional.empty();
            }
            return Optional.of(X509Svids.spiffeIdOf(leaf));
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
    }
}
