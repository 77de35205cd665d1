package io.ambit.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

import io.ambit.identity.SpiffeId;
import io.ambit.identity.SvidValidationException;
import io.ambit.identity.SvidValidator;
import io.ambit.identity.TrustBundle;

/**
 * Accepts a peer only if its chain is a valid X.509-SVID under the mesh trust bundle and its SPIFFE
 * ID satisfies the policy. Both directions run the same check: in the mesh, servers and clients
 * are workloads alike.
 */
final class SpiffeTrustManager extends X509ExtendedTrustManager {

    private final TrustBundle bundle;
    private final PeerPolicy policy;
    private final Clock clock;

    SpiffeTrustManager(TrustBundle bundle, PeerPolicy policy, Clock clock) {
        this.bundle = bundle;
        this.policy = policy;
        this.clock = clock;
    }

    private void check(X509Certificate[] chain, String role) throws CertificateException {
        SpiffeId peer;
        try {
            peer = SvidValidator.validate(chain == null ? List.of() : List.of(chain), bundle, clock.instant());
        } catch (SvidValidationException e) {
            throw new CertificateException(role + " certificate rejected (" + e.reason() + "): " + e.getMessage(), e);
        }
        if (!policy.accepts(peer)) {
            throw new CertificateException(role + " identity " + peer + " is not allowed: expected " + policy.describe());
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, "client");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, "server");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain, "client");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain, "server");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain, "client");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain, "server");
    }

    /**
     * Empty on purpose: listing the bundle's CAs in the CertificateRequest makes a client whose
     * certificate comes from another CA send none at all, and the refusal then reads "peer did not
     * return a certificate" instead of naming the untrusted issuer. The check happens here anyway.
     */
    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
