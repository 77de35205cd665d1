package io.ambit.echo.client;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import io.ambit.echo.proto.EchoRequest;
import io.ambit.echo.proto.EchoResponse;
import io.ambit.echo.proto.EchoServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * {@code EchoService/Echo} calls, each on a new channel (so a new connection). Prints the
 * response's fields as {@code Message=}, {@code Pod=}, {@code RemoteAddr=} and one
 * {@code Metadata=key:value} line per key, sorted. Succeeds when the message comes back unchanged.
 */
final class GrpcCaller implements Caller {

    private final ClientOptions options;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Metadata metadata = new Metadata();
    private final String badMetadata;

    GrpcCaller(ClientOptions options) {
        this.options = options;
        String bad = null;
        for (Map.Entry<String, String> header : options.headers()) {
            try {
                metadata.put(Metadata.Key.of(header.getKey(), Metadata.ASCII_STRING_MARSHALLER), header.getValue());
            } catch (IllegalArgumentException e) {
                bad = "cannot send metadata '" + header.getKey() + "': " + e.getMessage();
            }
        }
        this.badMetadata = bad;
    }

    @Override
    public Exchange call() {
        if (badMetadata != null) {
            return Exchange.failed(new byte[0], badMetadata);
        }
        ManagedChannel channel = NettyChannelBuilder.forAddress(options.target().socketAddress())
                .overrideAuthority(options.target().authority())
                .usePlaintext()
                .eventLoopGroup(group)
                .channelType(NioSocketChannel.class)
                .directExecutor()
                .intercept(MetadataUtils.newAttachHeadersInterceptor(metadata))
                .build();
        try {
            EchoResponse response = EchoServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(options.timeout().toNanos(), TimeUnit.NANOSECONDS)
                    .echo(EchoRequest.newBuilder().setMessage(options.message()).build());
            byte[] output = format(response).getBytes(StandardCharsets.UTF_8);
            if (!response.getMessage().equals(options.message())) {
                return Exchange.failed(output, "the message came back changed");
            }
            return Exchange.ok(output);
        } catch (StatusRuntimeException e) {
            String description = e.getStatus().getDescription();
            return Exchange.failed(new byte[0], "grpc " + e.getStatus().getCode()
                    + (description == null ? "" : ": " + description));
        } finally {
            channel.shutdownNow();
            try {
                channel.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static String format(EchoResponse response) {
        StringBuilder out = new StringBuilder()
                .append("Message=").append(response.getMessage()).append('\n')
                .append("Pod=").append(response.getPod()).append('\n')
                .append("RemoteAddr=").append(response.getRemoteAddr()).append('\n');
        new TreeMap<>(response.getMetadataMap()).forEach((key, value) ->
                out.append("Metadata=").append(key).append(':').append(value).append('\n'));
        return out.toString();
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
