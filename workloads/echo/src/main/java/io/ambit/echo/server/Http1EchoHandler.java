package io.ambit.echo.server;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.ambit.echo.Addresses;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.util.ReferenceCountUtil;

/**
 * HTTP/1.x requests on a connection that has not switched to HTTP/2. The request body is read
 * and dropped; the answer goes out once it has ended. A request the decoder could not read gets
 * 431 (headers too large), 414 (request line too long) or 400, and the connection is closed.
 */
final class Http1EchoHandler extends ChannelInboundHandlerAdapter {

    private final ServerIdentity identity;
    private final AccessLog accessLog;
    private SeenRequest pending;
    private boolean keepAlive;
    private boolean head;
    private boolean rejected;

    Http1EchoHandler(ServerIdentity identity, AccessLog accessLog) {
        this.identity = identity;
        this.accessLog = accessLog;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpObject object)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            if (rejected) {
                return;
            }
            DecoderResult result = object.decoderResult();
            if (result.isFailure()) {
                reject(ctx, result.cause());
                return;
            }
            if (object instanceof HttpRequest request) {
                pending = seen(ctx, request);
                keepAlive = HttpUtil.isKeepAlive(request);
                head = HttpMethod.HEAD.equals(request.method());
            }
            if (object instanceof LastHttpContent && pending != null) {
                answer(ctx, pending);
                pending = null;
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        // the connection now speaks HTTP/2: its streams have their own handler
        if (evt instanceof HttpServerUpgradeHandler.UpgradeEvent
                || evt instanceof CleartextHttp2ServerUpgradeHandler.PriorKnowledgeUpgradeEvent) {
            ctx.pipeline().remove(this);
        }
        ctx.fireUserEventTriggered(evt);
    }

    private SeenRequest seen(ChannelHandlerContext ctx, HttpRequest request) {
        List<Map.Entry<String, String>> headers = new ArrayList<>(request.headers().size());
        request.headers().forEach(headers::add);
        return new SeenRequest(request.method().name(), request.uri(), request.protocolVersion().text(),
                request.headers().get(HttpHeaderNames.HOST), ctx.channel().remoteAddress(),
                ctx.channel().localAddress(), headers);
    }

    private void answer(ChannelHandlerContext ctx, SeenRequest request) {
        EchoReply reply = EchoReply.answer(request, identity);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, reply.status(),
                head ? Unpooled.EMPTY_BUFFER : reply.content(ctx.alloc()));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, EchoReply.CONTENT_TYPE)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, reply.contentLength());
        boolean keepOpen = keepAlive;
        HttpUtil.setKeepAlive(response, keepOpen);
        accessLog.record("http " + Addresses.format(request.remote()) + " " + request.proto() + " "
                + request.method() + " " + request.url() + " " + reply.status().code());
        Runnable send = () -> {
            var written = ctx.writeAndFlush(response);
            if (!keepOpen) {
                written.addListener(ChannelFutureListener.CLOSE);
            }
        };
        if (reply.delayMillis() > 0) {
            ctx.executor().schedule(send, reply.delayMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } else {
            send.run();
        }
    }

    private void reject(ChannelHandlerContext ctx, Throwable cause) {
        rejected = true;
        pending = null;
        HttpResponseStatus status = cause instanceof TooLongHttpHeaderException
                ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                : cause instanceof TooLongHttpLineException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                : HttpResponseStatus.BAD_REQUEST;
        String reason = cause == null || cause.getMessage() == null ? "malformed request" : cause.getMessage();
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer("bad request: " + reason + "\n", StandardCharsets.ISO_8859_1));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, EchoReply.CONTENT_TYPE)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
                .set(HttpHeaderNames.CONNECTION, "close");
        accessLog.record("http " + Addresses.format(ctx.channel().remoteAddress()) + " rejected " + status.code()
                + " " + reason);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
