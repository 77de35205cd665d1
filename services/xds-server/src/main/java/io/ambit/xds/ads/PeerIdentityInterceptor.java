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
 * Puts the client's SPIFFE ID (from its certificate, already checked in the TLS handshake) and
 * remote address in the call's context. A call without one is refused: the listener requires
 * client certificates, so this only guards against a misconfigured transport.
 */
final class PeerIdentityInterceptor implements ServerInterceptor {

    static final Context.Key<String> PEER = Context.key("ambit-xds-peer");
    static final Context.Key<String> REMOTE = Context.key("ambit-xds-remote");

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        var peer = session == null ? java.util.Optional.<SpiffeId>empty() : PeerIdentities.of(session);
        if (peer.isEmpty()) {
            call.close(Status.UNAUTHENTICATED.withDescription("a client certificate with a SPIFFE ID is required"), new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        Context context = Context.current()
                .withValue(PEER, peer.get().toString())
                .withValue(REMOTE, String.valueOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)));
        return Contexts.interceptCall(context, call, headers, next);
    }
}
