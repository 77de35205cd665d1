package io.ambit.ca.grpc;

import io.ambit.ca.CaRequestException;
import io.ambit.ca.CertificateAuthority;
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
                    request.getMetadata()));
            response.onNext(IstioCertificateResponse.newBuilder().addAllCertChain(issued.pemChain()).build());
            response.onCompleted();
        } catch (CaRequestException e) {
            response.onError(e.status().asRuntimeException());
        } catch (RuntimeException e) {
            log.error("CreateCertificate failed unexpectedly (this is a bug)", e);
            response.onError(Status.INTERNAL.withDescription("internal error; see the CA log").asRuntimeException());
        }
    }
}
