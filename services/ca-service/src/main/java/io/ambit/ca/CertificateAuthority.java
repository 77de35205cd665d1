package io.ambit.ca;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.ambit.ca.auth.Caller;
import io.ambit.ca.auth.CallerAuthenticator;
import io.ambit.ca.auth.Credentials;
import io.ambit.ca.authz.IdentityAuthorizer;
import io.ambit.ca.keys.CaKeyMaterial;
import io.ambit.ca.signing.CsrPolicy;
import io.ambit.ca.signing.SvidSigner;
import io.ambit.ca.telemetry.AuditLog;
import io.ambit.ca.telemetry.CaMetrics;
import io.ambit.identity.SpiffeId;

/**
 * One certificate request, start to finish: authenticate the caller, decide the identity (the
 * caller's own, or a pod's on its node), check the CSR against that identity, sign. Every outcome
 * is counted and audited; a refusal signs nothing.
 */
public final class CertificateAuthority {

    /**
     * A request as the transport delivered it.
     *
     * @param metadata the request's metadata struct, where Istio puts {@code ImpersonatedIdentity}
     */
    public record Request(Credentials credentials, String csrPem, long validitySeconds, Struct metadata) {
    }

    private final CaKeyMaterial keys;
    private final CallerAuthenticator authenticator;
    private final IdentityAuthorizer authorizer;
    private final CsrPolicy csrPolicy;
    private final SvidSigner signer;
    private final CaMetrics metrics;
    private final AuditLog audit;
    private final Clock clock;

    public CertificateAuthority(CaKeyMaterial keys, CallerAuthenticator authenticator, IdentityAuthorizer authorizer,
            CsrPolicy csrPolicy, SvidSigner signer, CaMetrics metrics, AuditLog audit, Clock clock) {
        this.keys = keys;
        this.authenticator = authenticator;
        this.authorizer = authorizer;
        this.csrPolicy = csrPolicy;
        this.signer = signer;
        this.metrics = metrics;
        this.audit = audit;
        this.clock = clock;
    }

    public CaKeyMaterial keys() {
        return keys;
    }

    private static Optional<String> impersonatedIdentity(Struct metadata) {
        Value value = metadata.getFieldsMap().get(IdentityAuthorizer.IMPERSONATED_IDENTITY);
        if (value == null) {
            return Optional.empty();
        }
        if (value.getKindCase() != Value.KindCase.STRING_VALUE) {
            throw CaRequestException.invalid("impersonated_identity_invalid",
                    IdentityAuthorizer.IMPERSONATED_IDENTITY + " must be a string");
        }
        return Optional.of(value.getStringValue());
    }

    /** Returns the signed certificate and its PEM chain (leaf first, root last), or throws {@link CaRequestException}. */
    public SvidSigner.Issued handle(Request request) {
        Instant started = clock.instant();
        metrics.received();
        String callerText = "unauthenticated";
        String asked = "(own identity)";
        try {
            Optional<String> impersonated = impersonatedIdentity(request.metadata());
            asked = impersonated.orElse(asked);
            Caller caller = authenticator.authenticate(request.credentials());
            callerText = caller.toString();
            SpiffeId granted = authorizer.decide(caller, impersonated);
            CsrPolicy.Approved approved = csrPolicy.check(request.csrPem(), request.validitySeconds(), granted);
            SvidSigner.Issued issued = signer.issue(granted, approved.dnsNames(), approved.subjectPublicKeyInfo(), approved.validity());
            metrics.signed(Duration.between(started, clock.instant()));
            audit.granted(callerText, asked, granted.toString(), issued.serial(), issued.notAfter());
            return issued;
        } catch (CaRequestException e) {
            metrics.refused(e.reason(), e.kind() == CaRequestException.Kind.UNAUTHENTICATED);
            audit.refused(callerText, asked, e.kind().name(), e.reason(), e.getMessage());
            throw e;
        }
    }
}
