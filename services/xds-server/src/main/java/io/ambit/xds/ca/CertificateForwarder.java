package io.ambit.xds.ca;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.ambit.identity.SpiffeId;
import io.ambit.identity.TrustBundle;
import io.ambit.proto.ca.IstioCertificateRequest;
import io.ambit.proto.ca.IstioCertificateResponse;
import io.ambit.proto.ca.IstioCertificateServiceGrpc;
import io.ambit.tls.MeshTls;
import io.ambit.tls.PeerPolicy;
import io.ambit.tls.ReloadableSslContext;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code IstioCertificateService/CreateCertificate} on the xDS port, handed to ca-service as it
 * came: same request, same {@code authorization: Bearer} header, answer or error passed back. The
 * channel to the CA presents <b>no</b> client certificate (so a forwarded call can never be
 * mistaken for the xds-server itself) and checks the CA's SPIFFE ID against the mesh roots the
 * xds-server holds; a rotated root gives a new channel. A call without a bearer token is refused
 * here: the caller's client certificate cannot be forwarded, so certificate-authenticated renewals
 * go to ca-service's own port.
 */
public final class CertificateForwarder extends IstioCertificateServiceGrpc.IstioCertificateServiceImplBase
        implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CertificateForwarder.class);

    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<String> CALLER_AUTHORIZATION = Context.key("ambit-ca-forward-authorization");
    /** As the ADS port: a projected token is 1–2 KiB. */
    static final int MAX_TOKEN_LENGTH = 6 * 1024;
    private static final long DEADLINE_SECONDS = 10;

    private record Upstream(TrustBundle bundle, ManagedChannel channel) {
    }

    private final InetSocketAddress ca;
    private final SpiffeId caIdentity;
    private final AtomicReference<Upstream> upstream = new AtomicReference<>();

    /**
     * @param ca         ca-service's gRPC address
     * @param caIdentity the SPIFFE ID ca-service's certificate must carry
     */
    public CertificateForwarder(InetSocketAddress ca, SpiffeId caIdentity) {
        this.ca = ca;
        this.caIdentity = caIdentity;
    }

    /** Takes the mesh roots from the server's key material (first and every renewal). */
    public void onKeyMaterial(ReloadableSslContext.KeyMaterial material) {
        TrustBundle bundle = material.bundle();
        Upstream current = upstream.get();
        if (current != null && current.bundle().equals(bundle)) {
            return;
        }
        ManagedChannel channel = NettyChannelBuilder.forAddress(ca)
                .sslContext(MeshTls.bootstrapClient(bundle, PeerPolicy.exactly(caIdentity)))
                .build();
        Upstream previous = upstream.getAndSet(new Upstream(bundle, channel));
        if (previous != null) {
            previous.channel().shutdown(); // calls in flight finish on the old roots
        }
        log.info("certificate requests on the xDS port go to ca-service at {} ({})", ca, caIdentity);
    }

    /** The service with the interceptor that hands the caller's token to the call. */
    public ServerServiceDefinition definition() {
        return ServerInterceptors.intercept(this, new CallerToken());
    }

    @Override
    public void createCertificate(IstioCertificateRequest request, StreamObserver<IstioCertificateResponse> response) {
        String authorization = CALLER_AUTHORIZATION.get();
        if (authorization == null) {
            response.onError(Status.UNAUTHENTICATED.withDescription("certificate requests on this port are forwarded to ca-service "
                    + "with the caller's authorization: Bearer token, and none was sent (a client certificate cannot be "
                    + "forwarded: renew with it on ca-service's own port)").asRuntimeException());
            return;
        }
        Upstream current = upstream.get();
        if (current == null) {
            response.onError(Status.UNAVAILABLE.withDescription("no mesh roots yet to check ca-service with; try again")
                    .asRuntimeException());
            return;
        }
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, authorization);
        // A new context: the caller's cancellation and deadline still apply, through the stub's own deadline.
        IstioCertificateServiceGrpc.newStub(current.channel())
                .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .createCertificate(request, new StreamObserver<>() {
                    @Override
                    public void onNext(IstioCertificateResponse value) {
                        response.onNext(value);
                    }

                    @Override
                    public void onError(Throwable error) {
                        response.onError(fromCa(error));
                    }

                    @Override
                    public void onCompleted() {
                        response.onCompleted();
                    }
                });
    }

    /** The CA's own refusal reaches the caller unchanged; a transport failure says where it happened. */
    private StatusRuntimeException fromCa(Throwable error) {
        Status status = Status.fromThrowable(error);
        if (status.getCode() == Status.Code.UNAVAILABLE || status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
            return Status.UNAVAILABLE.withDescription("ca-service at " + ca + " did not answer: " + status.getDescription())
                    .asRuntimeException();
        }
        return status.asRuntimeException();
    }

    @Override
    public void close() {
        Upstream current = upstream.getAndSet(null);
        if (current != null) {
            current.channel().shutdownNow();
        }
    }

    /**
     * Reads {@code authorization} into the call's context, refusing what cannot be a bearer token
     * before any of it leaves this server.
     */
    private static final class CallerToken implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            Iterable<String> all = headers.getAll(AUTHORIZATION);
            int count = 0;
            String authorization = null;
            if (all != null) {
                for (String value : all) {
                    authorization = value;
                    count++;
                }
            }
            if (count > 1) {
                return refuse(call, "more than one authorization header");
            }
            if (authorization != null) {
                if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
                    return refuse(call, "the authorization header is not a Bearer token");
                }
                String token = authorization.substring(7).trim();
                if (token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
                    return refuse(call, "the bearer token is empty or longer than " + MAX_TOKEN_LENGTH + " characters");
                }
                authorization = "Bearer " + token;
            }
            return Contexts.interceptCall(Context.current().withValue(CALLER_AUTHORIZATION, authorization), call, headers, next);
        }

        private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, String why) {
            call.close(Status.UNAUTHENTICATED.withDescription(why), new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
    }
}
