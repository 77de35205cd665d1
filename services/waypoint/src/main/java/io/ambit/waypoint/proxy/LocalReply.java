package io.ambit.waypoint.proxy;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/** Answers the waypoint makes itself, shaped as Envoy's local replies: {@code text/plain} body, {@code server: istio-envoy}. */
final class LocalReply {

    private LocalReply() {
    }

    static FullHttpResponse build(HttpResponseStatus status, String body, boolean close) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                .set(HttpHeaderNames.SERVER, "istio-envoy");
        if (bytes.length > 0) {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
        }
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }

    /**
     * The same answer to a gRPC request, as Envoy gives it: a trailers-only response (HTTP 200,
     * {@code content-type: application/grpc}, {@code grpc-status} mapped from the HTTP status as
     * Envoy's {@code Grpc::Utility::httpToGrpcStatus}, {@code grpc-message} the text).
     */
    static FullHttpResponse grpc(HttpResponseStatus status, String message, boolean close) {
        FullHttpResponse response = build(HttpResponseStatus.OK, "", close);
        int code = switch (status.code()) {
            case 400 -> 13; // INTERNAL
            case 401 -> 16; // UNAUTHENTICATED
            case 403 -> 7; // PERMISSION_DENIED
            case 404 -> 12; // UNIMPLEMENTED
            case 429, 502, 503, 504 -> 14; // UNAVAILABLE
            default -> 2; // UNKNOWN
        };
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/grpc").set("grpc-status", code);
        if (!message.isEmpty()) {
            response.headers().set("grpc-message", message);
        }
        return response;
    }

    /** A trailers-only gRPC answer with this {@code grpc-status} code (Envoy's local reply given a gRPC status). */
    static FullHttpResponse grpcStatus(int code, String message, boolean close) {
        FullHttpResponse response = build(HttpResponseStatus.OK, "", close);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/grpc").set("grpc-status", code);
        if (!message.isEmpty()) {
            response.headers().set("grpc-message", message);
        }
        return response;
    }

    /** Sends the reply; with {@code close}, ends the tunnel after it. */
    static ChannelFuture send(ChannelHandlerContext ctx, HttpResponseStatus status, String body, boolean close) {
        ChannelFuture written = ctx.writeAndFlush(build(status, body, close));
        if (close) {
            written.addListener(f -> TunnelFrames.endAndClose(ctx.channel()));
        }
        return written;
    }
}
