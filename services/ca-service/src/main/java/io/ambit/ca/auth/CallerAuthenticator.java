package io.ambit.ca.auth;

import static io.ambit.ca.CaRequestException.unauthenticated;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

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
    private final Supplier<TrustBundle> bundle;
    private final Clock clock;

    public CallerAuthenticator(TokenAuthenticator tokens, Supplier<TrustBundle> bundle, Clock clock) {
        this.tokens = tokens;
        this.bundle = bundle;
        this.clock = clock;
    }

    public Caller authenticate(Credentials credentials) {
        if (credentials.bearerToken().isPresent()) {
            return tokens.authenticate(credentials.bearerToken().get());
        }
        Optional<List<X509Certificate>> chain = credentials.tlsSession().flatMap(CallerAuthenticator::peerChain);
        if (chain.isPresent()) {
            try {
                SpiffeId id = SvidValidator.validate(chain.get(), bundle.get(), clock.instant());
                return new Caller(WorkloadIdentity.from(id), Optional.empty(), "client-certificate");
            } catch (SvidValidationException | InvalidSpiffeIdException e) {
                throw unauthenticated("client_certificate_invalid", "client certificate rejected: " + e.getMessage());
            }
        }
        throw unauthenticated("no_credential",
                "no credential: send 'authorization: Bearer <token>' metadata or a client certificate issued by this CA");
    }

    private static Optional<List<X509Certificate>> peerChain(SSLSession session) {
        try {
            Certificate[] certificates = session.getPeerCertificates();
            return certificates.length == 0 ? Optional.empty()
                    : Optional.of(Arrays.stream(certificates).map(X509Certificate.class::cast).toList());
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
    }
}
