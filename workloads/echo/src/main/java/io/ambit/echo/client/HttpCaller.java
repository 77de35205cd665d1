package io.ambit.echo.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.netty.bootstrap.Bootstrap;
import io.netty.handler.proxy.Socks5ProxyHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;

/**
 * HTTP/1.1 and h2c (prior knowledge) GETs, one connection per call. A call succeeds when a whole
 * response with a 2xx status arrives; its body is printed in every case.
 */
final class HttpCaller implements Caller {

    /** Larger than the biggest {@code ?size=} the echo server answers, plus its lines. */
    static final int MAX_BODY = 17 << 20;
    static final String USER_AGENT = "ambit-echo";

    private record Response(int status, byte[] body) {
    }

    private final ClientOptions options;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    HttpCaller(ClientOptions options) {
        this.options = options;
    }

    /**
     * With {@code --socks}, a SOCKS5 handshake first (how an application reaches a ztunnel that
     * cannot capture it); the request waits in the proxy handler until the tunnel is up.
     */
    private ChannelHandler throughSocks(ChannelHandler protocol) {
        if (options.socks().isEmpty()) {
            return protocol;
        }
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new Socks5ProxyHandler(options.socks().get()), protocol);
            }
        };
    }

    @Override
    public Exchange call() {
        long deadline = System.nanoTime() + options.timeout().toNanos();
        CompletableFuture<Response> response = new CompletableFuture<>();
        boolean h2 = options.protocol() == Protocol.H2C;
        ChannelFuture connect = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, options.timeout().toMillis()))
                .handler(throughSocks(h2 ? http2(response) : http1(response)))
                .connect(options.target().socketAddress());
        Channel channel = connect.channel();
        String step = "connect " + options.target();
        try {
            if (!connect.await(remaining(deadline), TimeUnit.NANOSECONDS)) {
                throw new TimeoutException();
            }
            if (!connect.isSuccess()) {
                return Exchange.failed(new byte[0], step + ": " + Caller.reason(connect.cause()));
            }
            step = "request";
            if (h2) {
                Http2StreamChannel stream = new Http2StreamChannelBootstrap(channel)
                        .handler(new Http2Response(response))
                        .open()
                        .get(remaining(deadline), TimeUnit.NANOSECONDS);
                stream.writeAndFlush(new DefaultHttp2HeadersFrame(http2Request(), true));
            } else {
                channel.writeAndFlush(http1Request());
            }
            Response got = response.get(remaining(deadline), TimeUnit.NANOSECONDS);
            if (got.status() < 200 || got.status() > 299) {
                return Exchange.failed(got.body(), "status " + got.status());
            }
            return Exchange.ok(got.body());
        } catch (TimeoutException e) {
            return Exchange.failed(new byte[0], step + ": timed out after " + Caller.describe(options.timeout()));
        } catch (ExecutionException e) {
            return Exchange.failed(new byte[0], step + ": " + Caller.reason(e.getCause()));
        } catch (IllegalArgumentException e) {
            return Exchange.failed(new byte[0], "cannot send the request: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Exchange.failed(new byte[0], "interrupted");
        } finally {
            channel.close();
        }
    }

    private static long remaining(long deadline) throws TimeoutException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new TimeoutException();
        }
        return left;
    }

    private FullHttpRequest http1Request() {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, options.target().path());
        request.headers()
                .set(HttpHeaderNames.HOST, options.target().authority())
                .set(HttpHeaderNames.USER_AGENT, USER_AGENT);
        for (Map.Entry<String, String> header : options.headers()) {
            if (header.getKey().equalsIgnoreCase("host")) {
                request.headers().set(HttpHeaderNames.HOST, header.getValue());
            } else {
                request.headers().add(header.getKey(), header.getValue());
            }
        }
        return request;
    }

    private Http2Headers http2Request() {
        Http2Headers headers = new DefaultHttp2Headers()
                .method("GET")
                .scheme("http")
                .path(options.target().path())
                .authority(options.target().authority());
        headers.set(HttpHeaderNames.USER_AGENT, USER_AGENT);
        for (Map.Entry<String, String> header : options.headers()) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            if (name.equals("host")) {
                headers.authority(header.getValue());
            } else {
                headers.add(name, header.getValue());
            }
        }
        return headers;
    }

    private static ChannelInitializer<Channel> http1(CompletableFuture<Response> response) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel channel) {
                channel.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(MAX_BODY),
                        new SimpleChannelInboundHandler<FullHttpResponse>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse msg) {
                                response.complete(new Response(msg.status().code(), ByteBufUtil.getBytes(msg.content())));
                            }
                        },
                        new ResponseFailures(response));
            }
        };
    }

    private static ChannelInitializer<Channel> http2(CompletableFuture<Response> response) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel channel) {
                channel.pipeline().addLast(
                        Http2FrameCodecBuilder.forClient()
                                .initialSettings(Http2Settings.defaultSettings().pushEnabled(false))
                                .build(),
                        new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()),
                        new ResponseFailures(response));
            }
        };
    }

    /** The response on our one stream: status from the headers, body from the data frames. */
    private static final class Http2Response extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<Response> response;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private int status = -1;

        Http2Response(CompletableFuture<Response> response) {
            this.response = response;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                boolean ended = false;
                if (msg instanceof Http2HeadersFrame frame) {
                    CharSequence code = frame.headers().status();
                    if (code != null && (status < 200)) {
                        status = Integer.parseInt(code.toString());
                    }
                    ended = frame.isEndStream();
                } else if (msg instanceof Http2DataFrame frame) {
                    ByteBuf content = frame.content();
                    if (body.size() + content.readableBytes() > MAX_BODY) {
                        response.completeExceptionally(new IOException("response body larger than " + MAX_BODY + " bytes"));
                        ctx.close();
                        return;
                    }
                    content.readBytes(body, content.readableBytes());
                    ended = frame.isEndStream();
                } else if (msg instanceof Http2ResetFrame reset) {
                    response.completeExceptionally(new IOException("stream reset by the server (" + reset.errorCode() + ")"));
                }
                if (ended) {
                    response.complete(new Response(status, body.toByteArray()));
                }
            } catch (IOException | NumberFormatException e) {
                response.completeExceptionally(e);
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            response.completeExceptionally(new IOException("stream closed before the response ended"));
        }
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    /** Last in a call's pipeline: a connection that closes or fails before the response fails the call. */
    private static final class ResponseFailures extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<Response> response;

        ResponseFailures(CompletableFuture<Response> response) {
            this.response = response;
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            response.completeExceptionally(new IOException("connection closed before the response ended"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            response.completeExceptionally(cause);
            ctx.close();
        }
    }
}
