package io.ambit.echo.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.ambit.echo.Addresses;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * One HTTP/2 stream (h2c, by prior knowledge or by Upgrade, where the upgrade request arrives as
 * stream 1). The body is read and dropped; the answer goes out when the client ends its side.
 */
final class Http2StreamEchoHandler extends ChannelInboundHandlerAdapter {

    private final ServerIdentity identity;
    private final AccessLog accessLog;
    private SeenRequest pending;
    private boolean head;

    Http2StreamEchoHandler(ServerIdentity identity, AccessLog accessLog) {
        this.identity = identity;
        this.accessLog = accessLog;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            boolean ended = false;
            if (msg instanceof Http2HeadersFrame frame) {
                if (pending == null) {
                    pending = seen(ctx.channel(), frame.headers());
                    head = HttpMethod.HEAD.asciiName().contentEquals(frame.headers().method());
                }
                ended = frame.isEndStream();
            } else if (msg instanceof Http2DataFrame frame) {
                ended = frame.isEndStream();
            }
            if (ended && pending != null) {
                answer(ctx, pending);
                pending = null;
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private static SeenRequest seen(Channel stream, Http2Headers headers) {
        List<Map.Entry<String, String>> seen = new ArrayList<>(headers.size());
        for (Map.Entry<CharSequence, CharSequence> header : headers) {
            if (!Http2Headers.PseudoHeaderName.hasPseudoHeaderFormat(header.getKey())) {
                seen.add(Map.entry(header.getKey().toString(), header.getValue().toString()));
            }
        }
        CharSequence authority = headers.authority() != null ? headers.authority() : headers.get(HttpHeaderNames.HOST);
        Channel connection = stream.parent();
        return new SeenRequest(String.valueOf(headers.method()), String.valueOf(headers.path()), "HTTP/2.0",
                authority == null ? null : authority.toString(), connection.remoteAddress(), connection.localAddress(), seen);
    }

    private void answer(ChannelHandlerContext ctx, SeenRequest request) {
        EchoReply reply = EchoReply.answer(request, identity);
        Http2Headers headers = new DefaultHttp2Headers()
                .status(reply.status().codeAsText())
                .set(HttpHeaderNames.CONTENT_TYPE, EchoReply.CONTENT_TYPE)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, reply.contentLength());
        accessLog.record("http " + Addresses.format(request.remote()) + " " + request.proto() + " "
                + request.method() + " " + request.url() + " " + reply.status().code());
        boolean body = !head && reply.contentLength() > 0;
        Runnable send = () -> {
            ctx.write(new DefaultHttp2HeadersFrame(headers, !body));
            if (body) {
                ByteBuf content = reply.content(ctx.alloc());
                ctx.write(new DefaultHttp2DataFrame(content, true));
            }
            ctx.flush();
        };
        if (reply.delayMillis() > 0) {
            ctx.executor().schedule(send, reply.delayMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } else {
            send.run();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
