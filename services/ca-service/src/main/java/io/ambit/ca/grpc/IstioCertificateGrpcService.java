package io.ambit.ca.grpc;

import java.util.Optional;

import com.google.protobuf.Value;
import io.ambit.ca.CaRequestException;
import io.ambit.ca.CertificateAuthority;
import io.ambit.ca.authz.IdentityAuthorizer;
import io.ambit.proto.ca.IstioCertificateRequest;
import io.ambit.proto.ca.IstioCertificateResponse;
import io.ambit.proto.ca.IstioCertificateServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Istio's {@code istio.v1.auth.IstioCertificateService/CreateCertificate}, over our CA. */
public final class IstioCertificateGrpcService extends IstioCertificateServiceGrpc.IstioCertificateServiceImplBase {

    private static final Logger log = LoggerFactory.getLogger(IstioCertificateGrpcService.class);

    private final CertificateAuthority ca;

    public IstioCertificateGrpcService(CertificateAuthority ca) {
        this.ca = ca;
    }

    @Override
    public void createCertificate(IstioCertificateRequest request, StreamObserver<IstioCertificateResponse> response) {
        try {
            var issued = ca.handle(new CertificateAuthority.Request(
                    CallCredentialsInterceptor.CREDENTIALS.get(), request.getCsr(), request.getValidityDuration(),
                    impersonated(request)));
            response.onNext(IstioCertificateResponse.newBuilder().addAllCertChain(issued.pemChain()).build());
            response.onCompleted();
        } catch (CaRequestException e) {
            response.onError(e.status().asRuntimeException());
        } catch (RuntimeException e) {
            log.error("CreateCertificate failed unexpectedly (this is a bug)", e);
            response.onError(Status.INTERNAL.withDescription("internal error; see the CA log").asRuntimeException());
        }
    }

    private static Optional<String> impersonated(IstioCertificateRequest request) {
        if (!request.hasMetadata()) {
            return Optional.empty();
        }
        Value value = request.getMetadata().getFieldsMap().get(IdentityAuthorizer.IMPERSONATED_IDENTITY);
        if (value == null) {
            return Optional.empty();
        }
        if (value.getKindCase() != Value.KindCase.STRING_VALUE) {
            throw CaRequestException.invalid("impersonated_identity_invalid",
                    IdentityAuthorizer.IMPERSONATED_IDENTITY + " must be a string");
        }
        return Optional.of(value.getStringValue());
    }
}
