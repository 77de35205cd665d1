package io.ambit.waypoint.proxy;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.ServerChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * HTTP/1.1 echo servers on loopback standing in for the service's pods: each answers
 * {@code <name> <method> <uri> x-added=<header> body=<body>}; a "slow" one answers after two
 * seconds, a "failing" one always 503.
 */
final class TestBackends implements AutoCloseable {

    enum Behaviour { ECHO, SLOW, FAILING }

    private final EventLoopGroup group;
    private final Class<? extends ServerChannel> channel;
    private final List<Channel> servers = new ArrayList<>();
    /** Requests each named server received, and the Host header of the last one. */
    final java.util.Map<String, java.util.concurrent.atomic.AtomicInteger> hits = new java.util.concurrent.ConcurrentHashMap<>();
    final java.util.Map<String, String> lastHost = new java.util.concurrent.ConcurrentHashMap<>();
    /** The headers of the last request each named server received (HTTP/1.1 echo and h2c). */
    final java.util.Map<String, io.netty.handler.codec.http.HttpHeaders> lastHeaders = new java.util.concurrent.ConcurrentHashMap<>();

    TestBackends(EventLoopGroup group, Class<? extends ServerChannel> channel) {
        this.group = group;
        this.channel = channel;
    }

    /** A server whose every response is {@code total} bytes, written only while the socket is writable; counts what it wrote. */
    InetSocketAddress big(long total, java.util.concurrent.atomic.AtomicLong written) {
        Channel server = new ServerBootstrap().group(group).channel(channel)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20), new Big(total, written));
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
        servers.add(server);
        return (InetSocketAddress) server.localAddress();
    }

    private static final class Big extends SimpleChannelInboundHandler<FullHttpRequest> {
        private static final int CHUNK = 64 * 1024;
        private final long total;
        private final java.util.concurrent.atomic.AtomicLong written;
        private long left;

        Big(long total, java.util.concurrent.atomic.AtomicLong written) {
            this.total = total;
            this.written = written;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            var head = new io.netty.handler.codec.http.DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            HttpUtil.setContentLength(head, total);
            ctx.write(head);
            left = total;
            pump(ctx);
        }

        private void pump(ChannelHandlerContext ctx) {
            while (left > 0 && ctx.channel().isWritable()) {
                int n = (int) Math.min(CHUNK, left);
                left -= n;
                written.addAndGet(n);
                Object content = left == 0 ? new io.netty.handler.codec.http.DefaultLastHttpContent(Unpooled.wrappedBuffer(new byte[n]))
                        : new io.netty.handler.codec.http.DefaultHttpContent(Unpooled.wrappedBuffer(new byte[n]));
                ctx.write(content);
            }
            ctx.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                pump(ctx);
            }
        }
    }

    /** An h2c (prior knowledge) server standing in for a gRPC pod: answers each request with its body and trailers {@code grpc-status: 0}. */
    /** A plain TCP echo: every byte back, prefixed once by {@code name + ">"}, and a half-close answered by a close. */
    InetSocketAddress tcpEcho(String name) {
        Channel server = new ServerBootstrap().group(group).channel(channel)
                .childOption(io.netty.channel.ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                ctx.writeAndFlush(Unpooled.copiedBuffer(name + ">", StandardCharsets.UTF_8));
                            }

                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ctx.writeAndFlush(msg);
                            }

                            @Override
                            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
                                    ctx.close();
                                }
                            }
                        });
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
        servers.add(server);
        return (InetSocketAddress) server.localAddress();
    }

    InetSocketAddress h2c(String name) {
        Channel server = new ServerBootstrap().group(group).channel(channel)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(io.netty.handler.codec.http2.Http2FrameCodecBuilder.forServer().build(),
                                new io.netty.handler.codec.http2.Http2MultiplexHandler(new ChannelInitializer<Channel>() {
                                    @Override
                                    protected void initChannel(Channel stream) {
                                        stream.pipeline().addLast(new io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec(true),
                                                new HttpObjectAggregator(1 << 20), new SimpleChannelInboundHandler<FullHttpRequest>() {
                                                    @Override
                                                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
                                                        lastHeaders.put(name, request.headers().copy());
                                                        String text = name + " " + request.uri() + " te=" + request.headers().get("te") + " body="
                                                                + request.content().toString(StandardCharsets.UTF_8);
                                                        var head = new io.netty.handler.codec.http.DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                                                        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/grpc");
                                                        ctx.write(head);
                                                        var last = new io.netty.handler.codec.http.DefaultLastHttpContent(
                                                                Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
                                                        last.trailingHeaders().set("grpc-status", "0").set("grpc-message", "ok");
                                                        ctx.writeAndFlush(last);
                                                    }
                                                });
                                    }
                                }));
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
        servers.add(server);
        return (InetSocketAddress) server.localAddress();
    }

    /**
     * An h2c server that advertises {@code SETTINGS_MAX_CONCURRENT_STREAMS = maxStreams} and holds
     * every request until the test answers it ({@link HeldH2#releaseAll}); it records, per
     * connection, the most streams it saw open at once.
     */
    HeldH2 h2cHeld(int maxStreams) {
        HeldH2 held = new HeldH2();
        Channel server = new ServerBootstrap().group(group).channel(channel)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
                        java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
                        held.mostPerConnection.add(most);
                        held.connections.add(ch);
                        ch.pipeline().addLast(io.netty.handler.codec.http2.Http2FrameCodecBuilder.forServer()
                                        .initialSettings(io.netty.handler.codec.http2.Http2Settings.defaultSettings().maxConcurrentStreams(maxStreams)).build(),
                                new io.netty.handler.codec.http2.Http2MultiplexHandler(new ChannelInitializer<Channel>() {
                                    @Override
                                    protected void initChannel(Channel stream) {
                                        most.accumulateAndGet(open.incrementAndGet(), Math::max);
                                        stream.closeFuture().addListener(f -> open.decrementAndGet());
                                        stream.pipeline().addLast(new io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec(true),
                                                new HttpObjectAggregator(1 << 20), new SimpleChannelInboundHandler<FullHttpRequest>() {
                                                    @Override
                                                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
                                                        held.waiting.add(() -> {
                                                            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                                                                    Unpooled.copiedBuffer("H " + request.uri(), StandardCharsets.UTF_8));
                                                            ctx.writeAndFlush(response);
                                                        });
                                                    }
                                                });
                                    }
                                }));
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
        servers.add(server);
        held.address = (InetSocketAddress) server.localAddress();
        return held;
    }

    /** See {@link #h2cHeld}. */
    static final class HeldH2 {
        InetSocketAddress address;
        /** Requests received and not yet answered. */
        final java.util.concurrent.ConcurrentLinkedQueue<Runnable> waiting = new java.util.concurrent.ConcurrentLinkedQueue<>();
        /** Per connection accepted: the most streams open on it at once. */
        final List<java.util.concurrent.atomic.AtomicInteger> mostPerConnection = new java.util.concurrent.CopyOnWriteArrayList<>();
        /** The server side of each connection accepted. */
        final List<Channel> connections = new java.util.concurrent.CopyOnWriteArrayList<>();

        void releaseAll() {
            for (Runnable r; (r = waiting.poll()) != null; ) {
                r.run();
            }
        }
    }

    InetSocketAddress start(String name, Behaviour behaviour) {
        Channel server = new ServerBootstrap().group(group).channel(channel)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20), new Echo(name, behaviour, TestBackends.this));
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
        servers.add(server);
        return (InetSocketAddress) server.localAddress();
    }

    private static final class Echo extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final String name;
        private final Behaviour behaviour;
        private final TestBackends owner;

        Echo(String name, Behaviour behaviour, TestBackends owner) {
            this.name = name;
            this.behaviour = behaviour;
            this.owner = owner;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            owner.lastHost.put(name, request.headers().get(HttpHeaderNames.HOST, ""));
            owner.lastHeaders.put(name, request.headers().copy());
            owner.hits.computeIfAbsent(name, k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            String text = name + " " + request.method() + " " + request.uri() + " x-added=" + request.headers().get("x-added")
                    + " body=" + request.content().toString(StandardCharsets.UTF_8);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    behaviour == Behaviour.FAILING ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.OK,
                    Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
            response.headers().set(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
            // ?close=1: answers "Connection: close" and closes; ?drop=1: answers keep-alive, then closes the idle connection
            boolean close = request.uri().contains("close=1");
            boolean drop = request.uri().contains("drop=1");
            if (close) {
                response.headers().set(HttpHeaderNames.CONNECTION, "close");
            }
            Runnable send = () -> {
                var f = ctx.writeAndFlush(response);
                if (!keepAlive || close) {
                    f.addListener(ChannelFutureListener.CLOSE);
                } else if (drop) {
                    f.addListener(done -> ctx.executor().schedule(() -> ctx.close(), 100, TimeUnit.MILLISECONDS));
                }
            };
            if (behaviour == Behaviour.SLOW) {
                ctx.executor().schedule(send, 2, TimeUnit.SECONDS);
            } else {
                send.run();
            }
        }
    }

    @Override
    public void close() {
        servers.forEach(s -> s.close().syncUninterruptibly());
    }
}
