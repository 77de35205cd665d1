package io.ambit.ca.grpc;

import java.util.Optional;

import javax.net.ssl.SSLSession;

import io.ambit.ca.auth.Credentials;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/** Hands the service what the caller presented: the bearer token and the TLS session. */
public final class CallCredentialsInterceptor implements ServerInterceptor {

    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    static final Context.Key<Credentials> CREDENTIALS = Context.key("ambit-ca-credentials");

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        Credentials credentials = new Credentials(Credentials.bearer(headers.get(AUTHORIZATION)), Optional.ofNullable(session));
        return Contexts.interceptCall(Context.current().withValue(CREDENTIALS, credentials), call, headers, next);
    }
}
