package io.ambit.xds.ads;

import javax.net.ssl.SSLSession;

import io.ambit.identity.SpiffeId;
import io.ambit.tls.PeerIdentities;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Puts the client's SPIFFE ID and remote address in the call's context: from its certificate
 * (already checked in the TLS handshake), or, on a TLS connection without one and only where a
 * {@link BearerAuthenticator} is configured, from its {@code authorization: Bearer} token (Istio's
 * ztunnel). A call with neither is refused.
 */
final class PeerIdentityInterceptor implements ServerInterceptor {

    static final Context.Key<String> PEER = Context.key("ambit-xds-peer");
    static final Context.Key<String> REMOTE = Context.key("ambit-xds-remote");
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    /** A projected ServiceAccount token is 1–2 KiB; gRPC's own header limit (8 KiB) bounds the rest. */
    private static final int MAX_TOKEN_LENGTH = 6 * 1024;

    private final BearerAuthenticator bearer;

    PeerIdentityInterceptor() {
        this(null);
    }

    /** @param bearer null: client certificates only */
    PeerIdentityInterceptor(BearerAuthenticator bearer) {
        this.bearer = bearer;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        var certified = session == null ? java.util.Optional.<SpiffeId>empty() : PeerIdentities.of(session);
        String peer;
        if (certified.isPresent()) {
            peer = certified.get().toString();
        } else if (bearer == null || session == null) {
            return refuse(call, "a client certificate with a SPIFFE ID is required");
        } else {
            String authorization = headers.get(AUTHORIZATION);
            if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return refuse(call, "a client certificate with a SPIFFE ID, or an authorization: Bearer token, is required");
            }
            String token = authorization.substring(7).trim();
            if (token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
                return refuse(call, "the bearer token is empty or longer than " + MAX_TOKEN_LENGTH + " characters");
            }
            try {
                peer = bearer.authenticate(token);
            } catch (BearerAuthenticator.Rejected e) {
                return refuse(call, e.getMessage());
            }
        }
        Context context = Context.current()
                .withValue(PEER, peer)
                .withValue(REMOTE, String.valueOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)));
        return Contexts.interceptCall(context, call, headers, next);
    }

    private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, String why) {
        call.close(Status.UNAUTHENTICATED.withDescription(why), new Metadata());
        return new ServerCall.Listener<>() {
        };
    }
}
