package io.ambit.echo.server;

import java.net.SocketAddress;
import java.util.Map;
import java.util.TreeMap;

import io.ambit.echo.Addresses;
import io.ambit.echo.proto.EchoRequest;
import io.ambit.echo.proto.EchoResponse;
import io.ambit.echo.proto.EchoServiceGrpc;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.StreamObserver;

/**
 * {@code ambit.echo.v1.EchoService/Echo}: the message back, with the pod, the peer address and
 * the request metadata as the server saw them.
 */
final class GrpcEchoService extends EchoServiceGrpc.EchoServiceImplBase {

    private static final Context.Key<SocketAddress> REMOTE = Context.key("echo-remote");
    private static final Context.Key<Map<String, String>> METADATA = Context.key("echo-metadata");

    private final ServerIdentity identity;
    private final AccessLog accessLog;

    private GrpcEchoService(ServerIdentity identity, AccessLog accessLog) {
        this.identity = identity;
        this.accessLog = accessLog;
    }

    /** The service behind the interceptor that hands it the peer and the metadata. */
    static ServerServiceDefinition definition(ServerIdentity identity, AccessLog accessLog) {
        return ServerInterceptors.intercept(new GrpcEchoService(identity, accessLog), new CallInfo());
    }

    @Override
    public void echo(EchoRequest request, StreamObserver<EchoResponse> responses) {
        String remote = Addresses.format(REMOTE.get());
        accessLog.record("grpc " + remote + " Echo " + request.getMessage().length() + " chars");
        responses.onNext(EchoResponse.newBuilder()
                .setMessage(request.getMessage())
                .setPod(identity.pod())
                .setRemoteAddr(remote)
                .putAllMetadata(METADATA.get())
                .build());
        responses.onCompleted();
    }

    /** Puts the transport's peer address and the (text) request metadata in the call's context. */
    private static final class CallInfo implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                ServerCallHandler<Q, R> next) {
            Map<String, String> metadata = new TreeMap<>();
            for (String key : headers.keys()) {
                if (!key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                    Iterable<String> values = headers.getAll(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
                    if (values != null) {
                        metadata.put(key, String.join(",", values));
                    }
                }
            }
            Context context = Context.current()
                    .withValue(REMOTE, call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR))
                    .withValue(METADATA, metadata);
            return Contexts.interceptCall(context, call, headers, next);
        }
    }
}
