package io.ambit.ca.auth;

import static io.ambit.ca.CaRequestException.unauthenticated;

import java.time.Clock;
import java.util.Optional;

import io.ambit.identity.InvalidSpiffeIdException;
import io.ambit.identity.SpiffeId;
import io.ambit.identity.SvidValidationException;
import io.ambit.identity.SvidValidator;
import io.ambit.identity.TrustBundle;
import io.ambit.identity.WorkloadIdentity;

/**
 * Decides who is calling. A bearer token wins when present (it can prove a node); otherwise a
 * client certificate issued by this CA (it proves only the identity, so such a caller may renew
 * its own certificate and nothing more); otherwise the call is refused.
 */
public final class CallerAuthenticator {

    private final TokenAuthenticator tokens;
    private final java.util.function.Supplier<TrustBundle> bundle;
    private final Clock clock;

    public CallerAuthenticator(TokenAuthenticator tokens, java.util.function.Supplier<TrustBundle> bundle, Clock clock) {
        this.tokens = tokens;
        this.bundle = bundle;
        this.clock = clock;
    }

    public Caller authenticate(Credentials credentials) {
        if (credentials.bearerToken().isPresent()) {
            return tokens.authenticate(credentials.bearerToken().get());
        }
        Optional<java.security.cert.X509Certificate[]> chain = credentials.tlsSession().flatMap(CallerAuthenticator::peerChain);
        if (chain.isPresent()) {
            SpiffeId id;
            try {
                id = SvidValidator.validate(java.util.List.of(chain.get()), bundle.get(), clock.instant());
                return new Caller(WorkloadIdentity.from(id), Optional.empty(), "client-certificate");
            } catch (SvidValidationException | InvalidSpiffeIdException e) {
                throw unauthenticated("client_certificate_invalid", "client certificate rejected: " + e.getMessage());
            }
        }
        throw unauthenticated("no_credential",
                "no credential: send 'authorization: Bearer <token>' metadata or a client certificate issued by this CA");
    }

    private static Optional<java.security.cert.X509Certificate[]> peerChain(javax.net.ssl.SSLSession session) {
        try {
            java.security.cert.Certificate[] certificates = session.getPeerCertificates();
            java.security.cert.X509Certificate[] x509 = new java.security.cert.X509Certificate[certificates.length];
            for (int i = 0; i < certificates.length; i++) {
                x509[i] = (java.security.cert.X509Certificate) certificates[i];
            }
            return x509.length == 0 ? Optional.empty() : Optional.of(x509);
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
    }
}
