package io.ambit.tls;

import io.grpc.ServerCredentials;
import io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.InternalProtocolNegotiators;
import io.netty.channel.ChannelHandler;
import io.netty.util.AsciiString;

/**
 * gRPC server TLS whose certificate can change while the server runs: each new connection gets a
 * TLS handler from the context current at accept time, so a renewed serving certificate reaches
 * new callers without a restart and open connections keep theirs. grpc-java offers no public hook
 * for this; its {@code Internal*} negotiator API is the documented extension point for transports.
 */
public final class ReloadingServerTls implements InternalProtocolNegotiator.ProtocolNegotiator {

    private static final AsciiString HTTPS = AsciiString.of("https");

    private final ReloadableSslContext context;

    private ReloadingServerTls(ReloadableSslContext context) {
        this.context = context;
    }

    public static ServerCredentials credentials(ReloadableSslContext context) {
        return InternalNettyServerCredentials.create(new ReloadingServerTls(context));
    }

    @Override
    public AsciiString scheme() {
        return HTTPS;
    }

    @Override
    public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
        return InternalProtocolNegotiators.serverTls(context.current()).newHandler(grpcHandler);
    }

    @Override
    public void close() {
    }
}
