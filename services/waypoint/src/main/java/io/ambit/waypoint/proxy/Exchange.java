package io.ambit.waypoint.proxy;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.ambit.hbone.ConnectRequest;
import io.ambit.hbone.HboneHeaders;
import io.ambit.hbone.HboneKey;
import io.ambit.hbone.HboneTunnel;
import io.ambit.identity.SpiffeId;
import io.ambit.waypoint.config.ClusterEndpoints;
import io.ambit.waypoint.config.ServiceChain;
import io.ambit.waypoint.config.WaypointSnapshot;
import io.ambit.authz.rbac.RbacContext;
import io.ambit.authz.rbac.RbacEngine;
import io.ambit.l7.route.CompiledRoute;
import io.ambit.l7.route.FaultPolicy;
import io.ambit.l7.route.RequestView;
import io.ambit.l7.route.WeightedTarget;
import io.ambit.waypoint.telemetry.RequestRecord;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.NetUtil;

/**
 * One request through the waypoint, all on the inbound tunnel's event loop: authorize (RBAC),
 * route, then forward over an HBONE tunnel to an endpoint, retrying and timing out as the route
 * says, streaming both bodies with backpressure (the next chunk is read only when the previous
 * one was written), and answering like Envoy when it cannot forward. Retries replay only the
 * request head, so a request with a body is tried once (Envoy buffers such bodies up to a limit;
 * this waypoint never buffers a body).
 */
final class Exchange {

    private enum Failure { CONNECT, RESET, TIMEOUT }

    private final ProxyContext proxy;
    private final ConnectRequest connect;
    private final ChannelHandlerContext ctx;
    private final HttpRequest request;
    private final InboundHttpHandler owner;
    private final EventLoop loop;
    private final Instant start = Instant.now();
    private final long startNanos = System.nanoTime();
    private final String requestId;
    private final Set<String> flags = new LinkedHashSet<>();
    private final Deque<HttpContent> pendingBody = new ArrayDeque<>();

    /** The request's server span when tracing is on, else null. */
    private io.ambit.waypoint.tracing.RequestSpan span;
    private RequestView view;
    private ServiceChain chain;
    private CompiledRoute route;
    private WeightedTarget target;
    private ClusterEndpoints cluster;
    private boolean bodyless;
    private boolean keepAlive;
    private boolean requestEnded;
    private int attempts;
    private int attemptId;
    private Channel upstream;
    /** The HBONE stream of the attempt: the same channel as {@link #upstream} for HTTP/1.1, its HTTP/2 connection's carrier for h2c. */
    private Channel upstreamTunnel;
    private InetSocketAddress endpoint;
    private boolean responseStarted;
    private boolean done;
    private int status;
    private String details = "-";
    private String grpcStatus = "";
    private long bytesReceived;
    private long bytesSent;
    private ScheduledFuture<?> routeTimer;
    private ScheduledFuture<?> tryTimer;
    private ScheduledFuture<?> faultTimer;
    /** Admitted by the cluster's circuit breaker (released once at the end). */
    private boolean admitted;
    /** An attempt is counted on {@link #endpoint} (least request, outlier detection) and not yet ended. */
    private boolean attemptOpen;
    /** The pool key of the attempt's HTTP/1.1 upstream connection. */
    private UpstreamConnections.Key upstreamKey;
    /** The upstream's answer lets its connection serve another request (keep-alive, framed by length or chunks). */
    private boolean upstreamReusable;
    /** The attempt's answer had a retriable status: its body is read and dropped, then the connection is pooled and the retry starts. */
    private boolean draining;
    private long drained;
    /** The most of a retried answer's body read to save its connection. */
    private static final long MAX_DRAIN = 64 * 1024;
    /** The pool key of the attempt's h2c upstream connection. */
    private UpstreamConnections.Key h2Key;

    /** The name of the attempt's handler on an upstream HTTP/1.1 connection (swapped for the pool's watcher while idle). */
    static final String UPSTREAM_HANDLER = "ambit-upstream";

    Exchange(ProxyContext proxy, ConnectRequest connect, ChannelHandlerContext ctx, HttpRequest request, InboundHttpHandler owner) {
        this.proxy = proxy;
        this.connect = connect;
        this.ctx = ctx;
        this.request = request;
        this.owner = owner;
        this.loop = ctx.channel().eventLoop();
        String id = request.headers().get("x-request-id");
        this.requestId = id == null || id.isEmpty() ? newRequestId() : id;
    }

    /**
     * A random (version 4) UUID for {@code x-request-id}, as Envoy makes one per request from its
     * non-cryptographic generator: {@link UUID#randomUUID()} draws from one shared SecureRandom,
     * a lock and a few microseconds per request on the event loop (issue 14).
     */
    static String newRequestId() {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        long high = (random.nextLong() & ~0xF000L) | 0x4000L; // version 4
        long low = (random.nextLong() & ~0xC000_0000_0000_0000L) | 0x8000_0000_0000_0000L; // IETF variant
        return new UUID(high, low).toString();
    }

    void start() {
        if (proxy.tracer().enabled()) {
            span = proxy.tracer().start(request.headers(), view == null ? request.uri() : view.path(), start);
        }
        HttpHeaders headers = request.headers();
        keepAlive = HttpUtil.isKeepAlive(request);
        // HTTP/2: a request without a body ended its stream with its HEADERS (the codec then gives a full request)
        bodyless = owner.http2() ? request instanceof LastHttpContent
                : !HttpUtil.isTransferEncodingChunked(request) && HttpUtil.getContentLength(request, 0L) == 0;
        if (headers.contains(HttpHeaderNames.CONTENT_LENGTH) && headers.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            // request smuggling: Envoy refuses both framings at once (RFC 9112 §6.3)
            localReply(HttpResponseStatus.BAD_REQUEST, "Bad Request", "-", "http1.content_length_and_chunked_not_allowed", true);
            return;
        }
        if (headers.contains(HttpHeaderNames.UPGRADE)) {
            // upgrades (WebSocket, h2c) are not configured on the waypoint's listeners: refused as Envoy does
            localReply(HttpResponseStatus.FORBIDDEN, "", "-", "upgrade_failed", true);
            return;
        }
        if (HttpUtil.is100ContinueExpected(request)) {
            headers.remove(HttpHeaderNames.EXPECT);
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        }
        view = RequestView.of(request.method().name(), request.uri(), headers);
        WaypointSnapshot now = proxy.config().get();
        Optional<ServiceChain> found = now.chain(connect.target());
        if (found.isEmpty() && owner.acceptedWith() != null && owner.acceptedWith().chain(connect.target()).isPresent()) {
            // unbound while this tunnel was open: drained on the configuration it was accepted with, and
            // (HTTP/1.1) closed after this answer, as Envoy drains a removed filter chain's connections
            now = owner.acceptedWith();
            found = now.chain(connect.target());
            closeAfterResponse();
        }
        WaypointSnapshot config = now;
        if (found.isEmpty()) {
            localReply(HttpResponseStatus.NOT_FOUND, "", "NR", "filter_chain_not_found", !bodyless);
            return;
        }
        chain = found.get();
        // the source address is the original client's (the ztunnel's forwarded for=), as a waypoint
        // sees it: the tunnel's TCP peer is only the client's ztunnel
        java.net.InetAddress source = owner.source();
        RbacContext rbac = new RbacContext(view, Optional.of(connect.client().toString()), source, source, connect.target().getPort());
        for (RbacEngine engine : chain.authorization()) {
            if (!engine.permits(rbac)) {
                localReply(HttpResponseStatus.FORBIDDEN, "RBAC: access denied", "-", "rbac_access_denied", !bodyless);
                return;
            }
        }
        Optional<CompiledRoute> matched = config.routeTable(chain.routeConfig()).flatMap(t -> t.route(view));
        if (matched.isEmpty()) {
            localReply(HttpResponseStatus.NOT_FOUND, "", "NR", "route_not_found", !bodyless);
            return;
        }
        route = matched.get();
        // Envoy's fault filter: after authorization, before the router; only where the chain has it
        FaultPolicy fault = chain.faults() ? route.fault() : null;
        if (fault != null && fault.delays()) {
            flags.add("DI");
            faultTimer = loop.schedule(() -> {
                if (!done) {
                    afterDelay(config, fault);
                }
            }, fault.delay().toNanos(), TimeUnit.NANOSECONDS);
            return;
        }
        afterDelay(config, fault);
    }

    private void afterDelay(WaypointSnapshot config, FaultPolicy fault) {
        if (fault != null && fault.aborts()) {
            faultAbort(fault);
            return;
        }
        switch (route.kind()) {
            case DIRECT -> localReply(HttpResponseStatus.valueOf(route.directStatus()), route.directBody(), "-", "direct_response", !bodyless);
            case REDIRECT -> redirect();
            case FORWARD -> forward(config);
        }
    }

    /**
     * Envoy's {@code abortWithStatus}: a local reply "fault filter abort" with flag {@code FI}; a
     * gRPC abort is HTTP 200 with that {@code grpc-status} (trailers-only to a gRPC client).
     */
    private void faultAbort(FaultPolicy fault) {
        if (fault.grpcStatus() < 0) {
            localReply(HttpResponseStatus.valueOf(fault.httpStatus()), "fault filter abort", "FI", "fault_filter_abort", !bodyless);
            return;
        }
        boolean closeNow = !bodyless || !keepAlive;
        FullHttpResponse response = isGrpc() ? LocalReply.grpcStatus(fault.grpcStatus(), "fault filter abort", closeNow)
                : LocalReply.build(HttpResponseStatus.OK, "fault filter abort", closeNow);
        finishLocal(response, "FI", "fault_filter_abort", closeNow);
    }

    private boolean isGrpc() {
        return request.headers().get(HttpHeaderNames.CONTENT_TYPE, "").startsWith("application/grpc");
    }

    /** The original client's address from the CONNECT's {@code forwarded: for="ip:port"}, as the client's ztunnel sent it. */
    static Optional<java.net.InetAddress> forwardedFor(io.ambit.hbone.ConnectRequest connect) {
        return connect.forwarded().flatMap(f -> {
            int at = f.indexOf("for=\"");
            if (at < 0) {
                return Optional.empty();
            }
            int end = f.indexOf('"', at + 5);
            String hostPort = end < 0 ? "" : f.substring(at + 5, end);
            String host = hostPort.startsWith("[") ? hostPort.substring(1, Math.max(1, hostPort.indexOf(']')))
                    : hostPort.contains(":") ? hostPort.substring(0, hostPort.lastIndexOf(':')) : hostPort;
            byte[] bytes = NetUtil.createByteArrayFromIpAddressString(host);
            try {
                return bytes == null ? Optional.empty() : Optional.of(java.net.InetAddress.getByAddress(bytes));
            } catch (java.net.UnknownHostException e) {
                return Optional.empty();
            }
        });
    }

    private void redirect() {
        RedirectAction r = route.redirect();
        String authority = view.authority();
        String host = r.getHostRedirect().isEmpty() ? stripPort(authority) : r.getHostRedirect();
        String scheme = r.getSchemeRedirect().isEmpty() ? "http" : r.getSchemeRedirect();
        String port = r.getPortRedirect() != 0 ? ":" + r.getPortRedirect()
                : r.getHostRedirect().isEmpty() && r.getSchemeRedirect().isEmpty() && authority.contains(":") && !authority.endsWith("]")
                        ? authority.substring(authority.lastIndexOf(':')) : "";
        String path;
        if (!r.getPathRedirect().isEmpty()) {
            path = r.getPathRedirect();
        } else if (!r.getPrefixRewrite().isEmpty()) {
            path = route.rewritePathForRedirect(view.path(), r.getPrefixRewrite());
        } else {
            path = view.path();
        }
        String query = r.getStripQuery() || view.rawQuery().isEmpty() ? "" : "?" + view.rawQuery();
        int code = switch (r.getResponseCode()) {
            case FOUND -> 302;
            case SEE_OTHER -> 303;
            case TEMPORARY_REDIRECT -> 307;
            case PERMANENT_REDIRECT -> 308;
            default -> 301;
        };
        FullHttpResponse response = LocalReply.build(HttpResponseStatus.valueOf(code), "", !bodyless || !keepAlive);
        response.headers().set(HttpHeaderNames.LOCATION, scheme + "://" + host + port + path + query);
        route.responseHeaders().apply(response.headers());
        finishLocal(response, "-", "direct_response", !bodyless || !keepAlive);
    }

    private static String stripPort(String authority) {
        int colon = authority.lastIndexOf(':');
        return colon > 0 && !authority.endsWith("]") ? authority.substring(0, colon) : authority;
    }

    private void forward(WaypointSnapshot config) {
        target = route.pickTarget();
        Optional<ClusterEndpoints> c = config.cluster(target.cluster());
        if (c.isEmpty()) {
            localReply(HttpResponseStatus.valueOf(route.clusterNotFoundStatus()), "", "NC", "cluster_not_found", !bodyless);
            return;
        }
        cluster = c.get();
        if (cluster.policy().lb() == io.ambit.waypoint.config.ClusterPolicy.Lb.ORIGINAL_DST) {
            // Istio's encap: back out to the CONNECT's own target, the bound pod, which must prove the pod's identity
            if (chain.workload() == null) {
                localReply(HttpResponseStatus.SERVICE_UNAVAILABLE, "no healthy upstream", "UH", "no_healthy_upstream", !bodyless);
                return;
            }
            cluster = new ClusterEndpoints(cluster.name(), List.of(connect.target()), Map.of(connect.target(), chain.workload()),
                    cluster.policy());
        }
        if (cluster.endpoints().isEmpty()) {
            localReply(HttpResponseStatus.SERVICE_UNAVAILABLE, "no healthy upstream", "UH", "no_healthy_upstream", !bodyless);
            return;
        }
        if (!proxy.picker().admit(cluster)) {
            // the circuit breaker's max_requests (DestinationRule http2MaxRequests): Envoy's overflow answer
            localReply(HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "upstream connect error or disconnect/reset before headers. reset reason: overflow", "UO", "upstream_reset_before_response_started{overflow}", !bodyless);
            return;
        }
        admitted = true;
        mirror(config);
        if (!route.timeout().isZero()) {
            routeTimer = loop.schedule(this::onRouteTimeout, route.timeout().toNanos(), TimeUnit.NANOSECONDS);
        }
        attempt();
    }

    /**
     * Envoy's request mirroring: a copy to each mirror cluster (sampled), authority suffixed with
     * {@code -shadow}, answer dropped, never retried. Only requests without a body are mirrored:
     * copying a streamed body would tie the request's pace to the mirror's.
     */
    private void mirror(WaypointSnapshot config) {
        if (!bodyless) {
            return;
        }
        for (CompiledRoute.Mirror m : route.mirrors()) {
            Optional<ClusterEndpoints> shadow = config.cluster(m.cluster());
            if (!m.sample() || shadow.isEmpty() || shadow.get().endpoints().isEmpty()) {
                continue;
            }
            InetSocketAddress to = proxy.picker().pick(shadow.get(), null);
            if (to == null) {
                continue; // every endpoint of the mirror is ejected
            }
            HboneKey key = new HboneKey(proxy.self(), shadow.get().identity(to), new InetSocketAddress(to.getAddress(), proxy.upstreamHbonePort()));
            HttpRequest copy = upstreamRequest();
            copy.headers().set(HttpHeaderNames.HOST, copy.headers().get(HttpHeaderNames.HOST, view.authority()) + "-shadow");
            // the routed requests' keep-alive pool, keyed and opened as theirs (openTunnel), not a tunnel per copy
            String authority = NetUtil.toSocketAddressString(to);
            HboneHeaders headers = connect.forwarded().map(f -> new HboneHeaders(Optional.of(f), connect.baggage(), connect.traceparent()))
                    .orElse(HboneHeaders.none());
            MirrorRequest.send(proxy, shadow.get(), to, new UpstreamConnections.Key(key, authority, owner.source()), headers, copy, loop);
        }
    }

    private void attempt() {
        attempts++;
        int id = ++attemptId;
        InetSocketAddress picked = proxy.picker().pick(cluster, endpoint);
        if (picked == null) {
            // every endpoint is ejected by outlier detection (and panic mode is off)
            localReply(HttpResponseStatus.SERVICE_UNAVAILABLE, "no healthy upstream", "UH", "no_healthy_upstream", !requestEnded);
            return;
        }
        endpoint = picked;
        proxy.picker().attemptStarted(cluster, endpoint);
        attemptOpen = true;
        Duration perTry = route.retry().perTryTimeout();
        if (!perTry.isZero()) {
            tryTimer = loop.schedule(() -> onAttemptFailed(id, Failure.TIMEOUT), perTry.toNanos(), TimeUnit.NANOSECONDS);
        }
        // The endpoint's own identity, from the control plane: the handshake fails unless that workload answers.
        HboneKey key = new HboneKey(proxy.self(), cluster.identity(endpoint),
                new InetSocketAddress(endpoint.getAddress(), proxy.upstreamHbonePort()));
        String authority = NetUtil.toSocketAddressString(endpoint);
        upstreamReusable = false;
        upstreamKey = null;
        if (owner.http2()) {
            // h2c upstream: a stream on a connection already open to this endpoint, if one has room
            h2Key = new UpstreamConnections.Key(key, authority, owner.source());
            UpstreamH2Connections.Carrier carrier = proxy.upstreams().h2().acquire(h2Key);
            if (carrier != null) {
                openH2Stream(id, carrier);
                return;
            }
        } else {
            // HTTP/1.1 upstream: a keep-alive connection left by an earlier request to this endpoint, if any
            upstreamKey = new UpstreamConnections.Key(key, authority, owner.source());
            Channel idle = proxy.upstreams().take(upstreamKey, loop);
            if (idle != null) {
                adopt(id, idle, key, authority);
                return;
            }
        }
        openTunnel(id, key, authority);
    }

    private void openTunnel(int id, HboneKey key, String authority) {
        HboneHeaders headers = connect.forwarded().map(f -> new HboneHeaders(Optional.of(f), connect.baggage(), connect.traceparent()))
                .orElse(HboneHeaders.none());
        proxy.pool().open(key, authority, headers, loop)
                .whenComplete((tunnel, error) -> loop.execute(() -> onTunnel(id, tunnel, error)));
    }

    /**
     * Takes over an idle upstream connection: on its own loop (where its events are ordered), the
     * pool's watcher gives way to this attempt's handler; one that ended meanwhile is dropped and a
     * new tunnel opened instead.
     */
    private void adopt(int id, Channel stream, HboneKey key, String authority) {
        if (stream.eventLoop() == loop) {
            adopted(id, stream, key, authority, takeOver(id, stream)); // the pool prefers one on this loop: no task
            return;
        }
        stream.eventLoop().execute(() -> {
            boolean usable = takeOver(id, stream);
            loop.execute(() -> adopted(id, stream, key, authority, usable));
        });
    }

    /** On the stream's loop: the pool's watcher gives way to this attempt's handler; false when the stream ended meanwhile. */
    private boolean takeOver(int id, Channel stream) {
        boolean usable = stream.isActive() && stream.pipeline().get(UPSTREAM_HANDLER) != null;
        if (usable) {
            stream.pipeline().replace(UPSTREAM_HANDLER, UPSTREAM_HANDLER, new UpstreamHandler(this, id));
        }
        return usable;
    }

    private void adopted(int id, Channel stream, HboneKey key, String authority, boolean usable) {
        if (id != attemptId || done) {
            stream.close();
        } else if (!usable) {
            stream.close();
            openTunnel(id, key, authority);
        } else {
            upstreamTunnel = stream;
            send(stream);
        }
    }

    private void onTunnel(int id, HboneTunnel tunnel, Throwable error) {
        if (id != attemptId || done) {
            if (tunnel != null) {
                tunnel.close();
            }
            return;
        }
        if (error != null) {
            details = "upstream_connect_failure";
            onAttemptFailed(id, Failure.CONNECT);
            return;
        }
        Channel stream = tunnel.stream();
        if (owner.http2()) {
            // the downstream protocol upstream (Envoy's use_downstream_protocol): h2c inside the tunnel,
            // a connection the next requests to this endpoint share
            // a stream that races the peer's first SETTINGS past its concurrency limit waits for room instead of failing
            Http2FrameCodec codec = Http2FrameCodecBuilder.forClient().encoderEnforceMaxConcurrentStreams(true).build();
            // flushes gathered per event-loop turn, as on the downstream side (ProtocolSniffer)
            stream.pipeline().addLast(new TunnelFrames(), UpstreamH2Connections.CLOSE_ON_PEER_END,
                    new io.netty.handler.flush.FlushConsolidationHandler(
                            io.netty.handler.flush.FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true),
                    codec, new Http2MultiplexHandler(new io.netty.channel.ChannelInboundHandlerAdapter()));
            stream.config().setAutoRead(true);
            openH2Stream(id, proxy.upstreams().h2().register(h2Key, stream, codec));
            return;
        }
        upstreamTunnel = stream;
        stream.pipeline().addLast(new TunnelFrames(), new HttpClientCodec());
        stream.pipeline().addLast(UPSTREAM_HANDLER, new UpstreamHandler(this, id));
        send(stream);
    }

    /** One stream of the attempt on a shared h2c connection; the connection's count drops when the stream closes. */
    private void openH2Stream(int id, UpstreamH2Connections.Carrier carrier) {
        new Http2StreamChannelBootstrap(carrier.tunnel()).handler(new io.netty.channel.ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel child) {
                child.config().setAutoRead(false);
                child.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false), new UpstreamHandler(Exchange.this, id));
            }
        }).open().addListener(f -> {
            if (f.isSuccess()) {
                ((Channel) f.getNow()).closeFuture().addListener(c -> proxy.upstreams().h2().release(carrier));
            } else {
                proxy.upstreams().h2().release(carrier);
            }
            onLoop(() -> {
                if (id != attemptId || done) {
                    if (f.isSuccess()) {
                        ((Channel) f.getNow()).close();
                    }
                    return;
                }
                if (!f.isSuccess()) {
                    details = "upstream_h2_stream_failure";
                    onAttemptFailed(id, Failure.RESET);
                    return;
                }
                send((Channel) f.getNow());
            });
        });
    }

    /** Runs {@code task} on the exchange's loop: now when already there (no task queued per request), else queued. */
    private void onLoop(Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    private void send(Channel stream) {
        upstream = stream;
        if (bodyless) {
            // the whole request as one message: over h2c one HEADERS frame with END_STREAM rather than
            // HEADERS and an empty DATA frame; over HTTP/1.1 one buffer rather than the head and an
            // empty one, each its own DATA frame of the tunnel (issue 14)
            HttpRequest head = upstreamRequest();
            stream.writeAndFlush(new DefaultFullHttpRequest(head.protocolVersion(), head.method(), head.uri(),
                    io.netty.buffer.Unpooled.EMPTY_BUFFER, head.headers(), io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE));
        } else {
            stream.write(upstreamRequest());
            stream.flush();
            drainPendingBody();
        }
        stream.read();
    }

    private HttpRequest upstreamRequest() {
        DefaultHttpRequest out = new DefaultHttpRequest(HttpVersion.HTTP_1_1, request.method(), route.rewritePath(view.path(), view.rawQuery()));
        // HTTP/2 in and out: the request's own framing (END_STREAM) carries over; HTTP/1.1: Netty's codec frames by these headers
        out.headers().set(request.headers());
        for (CharSequence hop : new CharSequence[] {HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE,
                HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.TRAILER,
                HttpHeaderNames.UPGRADE}) {
            out.headers().remove(hop);
        }
        if (!"trailers".equalsIgnoreCase(out.headers().get(HttpHeaderNames.TE, "trailers"))) {
            out.headers().remove(HttpHeaderNames.TE); // only "te: trailers" (gRPC) may cross a hop
        }
        out.headers().remove("x-http2-stream-id").remove("x-http2-scheme").remove("x-http2-path")
                .remove("x-http2-stream-promise-id");
        out.headers().set("x-request-id", requestId);
        out.headers().set("x-forwarded-proto", "http");
        if (attempts > 1) {
            out.headers().set("x-envoy-attempt-count", attempts);
        }
        if (span != null) {
            span.inject(out.headers()); // the waypoint's span is the upstream's parent
        }
        route.requestHeaders().apply(out.headers());
        target.requestHeaders().apply(out.headers());
        String host = target.hostRewrite() != null ? target.hostRewrite() : route.hostRewrite();
        if (host != null) {
            out.headers().set(HttpHeaderNames.HOST, host);
        }
        return out;
    }

    /** A chunk of the request body from the client: forwarded when a tunnel is open, else held (one read's worth at most). */
    void requestContent(HttpContent content) {
        if (requestEnded) {
            content.release(); // nothing follows the end of a request but the next request
            return;
        }
        boolean last = content instanceof LastHttpContent;
        if (last) {
            requestEnded = true;
        }
        bytesReceived += content.content().readableBytes();
        if (bodyless || done) {
            content.release(); // nothing to forward (the head is replayed per attempt), or already answered
            return;
        }
        if (upstream == null) {
            pendingBody.add(content);
            return;
        }
        upstream.writeAndFlush(content).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess() && !last) {
                ctx.read(); // backpressure: the next chunk only once this one is written
            }
        });
    }

    private void drainPendingBody() {
        boolean last = false;
        io.netty.channel.ChannelFuture written = null;
        while (!pendingBody.isEmpty()) {
            HttpContent c = pendingBody.poll();
            last |= c instanceof LastHttpContent;
            written = upstream.write(c);
        }
        upstream.flush();
        if (last || requestEnded) {
            return;
        }
        if (written == null) {
            ctx.read();
        } else {
            written.addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    ctx.read(); // backpressure: more of the body only once what was held is written
                }
            });
        }
    }

    // ---- upstream events (called on the inbound loop) ----

    void onResponseHead(int id, HttpResponse response) {
        if (id != attemptId || done) {
            return;
        }
        cancel(tryTimer);
        int code = response.status().code();
        endAttempt(code);
        if (!responseStarted && bodyless && attempts <= route.retry().numRetries() && route.retry().retriesStatus(code)) {
            if (upstreamKey != null && upstream == upstreamTunnel && upstream != null && reusable(response, code)) {
                // a healthy keep-alive connection that answered, say, 503: read its (small) body to the end and
                // give it back to the pool before the retry, rather than closing it (onResponseContent)
                draining = true;
                drained = 0;
                upstream.read();
                return;
            }
            closeUpstream();
            retryLater();
            return;
        }
        if (attempts > 1 && route.retry().retriesStatus(code)) {
            flags.add("URX");
        }
        responseStarted = true;
        status = code;
        HttpResponse out = new DefaultHttpResponse(HttpVersion.HTTP_1_1, response.status());
        out.headers().set(response.headers());
        out.headers().remove(HttpHeaderNames.CONNECTION);
        out.headers().remove(HttpHeaderNames.KEEP_ALIVE);
        route.responseHeaders().apply(out.headers());
        target.responseHeaders().apply(out.headers());
        if (!keepAlive) {
            out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        if (!HttpUtil.isContentLengthSet(out) && !HttpUtil.isTransferEncodingChunked(out) && code >= 200 && code != 204 && code != 304
                && !request.method().equals(io.netty.handler.codec.http.HttpMethod.HEAD)) {
            // read-until-close from upstream: chunk it downstream so the tunnel can stay open
            HttpUtil.setTransferEncodingChunked(out, true);
        }
        grpcStatus = out.headers().get("grpc-status", grpcStatus); // a trailers-only answer
        // the connection may serve the next request unless the upstream closes it or its body runs until close
        upstreamReusable = upstreamKey != null && reusable(response, code);
        ctx.write(out);
        if (upstream != null) {
            upstream.read();
        }
    }

    /** The upstream's answer leaves its HTTP/1.1 connection fit for another request: keep-alive, and a body framed by length or chunks. */
    private boolean reusable(HttpResponse response, int code) {
        return HttpUtil.isKeepAlive(response)
                && (HttpUtil.isContentLengthSet(response) || HttpUtil.isTransferEncodingChunked(response)
                        || code == 204 || code == 304 || request.method().equals(io.netty.handler.codec.http.HttpMethod.HEAD));
    }

    /** A chunk of a retried answer's body: dropped; at its end the connection goes back to the pool and the retry starts. */
    private void drain(HttpContent content) {
        drained += content.content().readableBytes();
        boolean last = content instanceof LastHttpContent;
        content.release();
        if (!last && drained <= MAX_DRAIN) {
            upstream.read();
            return;
        }
        draining = false;
        if (last) {
            Channel tunnel = upstreamTunnel;
            upstream = null;
            upstreamTunnel = null;
            proxy.upstreams().giveBack(upstreamKey, tunnel, UPSTREAM_HANDLER);
        } else {
            closeUpstream(); // a large error body costs more to read than a new connection
        }
        retryLater();
    }

    void onResponseContent(int id, HttpContent content) {
        if (id == attemptId && draining && !done) {
            drain(content);
            return;
        }
        if (id != attemptId || done || !responseStarted) {
            content.release();
            return;
        }
        boolean last = content instanceof LastHttpContent;
        if (content instanceof LastHttpContent end) {
            grpcStatus = end.trailingHeaders().get("grpc-status", grpcStatus);
        }
        bytesSent += content.content().readableBytes();
        Channel from = upstream;
        ctx.writeAndFlush(content).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                return; // downstreamClosed() ends the exchange
            }
            if (last) {
                finish();
            } else if (from != null) {
                from.read(); // backpressure: the next chunk only once this one reached the client
            }
        });
        if (last) {
            done = true;
            cancel(routeTimer);
        }
    }

    void onUpstreamClosed(int id) {
        if (id == attemptId && draining && !done) {
            draining = false; // closed while its retried answer was read: retry on another connection
            closeUpstream();
            retryLater();
            return;
        }
        if (id == attemptId && !done) {
            details = "upstream_reset_before_response_started";
            onAttemptFailed(id, Failure.RESET);
        }
    }

    private void onAttemptFailed(int id, Failure failure) {
        if (id != attemptId || done) {
            return;
        }
        cancel(tryTimer);
        endAttempt(0);
        closeUpstream();
        if (responseStarted) {
            flags.add(failure == Failure.TIMEOUT ? "UT" : "UC");
            abort();
            return;
        }
        boolean retriable = switch (failure) {
            case CONNECT -> route.retry().retriesConnectFailure();
            case RESET -> route.retry().retriesReset();
            case TIMEOUT -> route.retry().retriesStatus(504) || route.retry().retriesReset();
        };
        if (retriable && bodyless && attempts <= route.retry().numRetries()) {
            retryLater();
            return;
        }
        if (attempts > 1) {
            flags.add("URX");
        }
        switch (failure) {
            case CONNECT -> localReply(HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "upstream connect error or disconnect/reset before headers. reset reason: connection failure", "UF", details, !requestEnded);
            case RESET -> localReply(HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "upstream connect error or disconnect/reset before headers. reset reason: connection termination", "UC", details, !requestEnded);
            case TIMEOUT -> localReply(HttpResponseStatus.GATEWAY_TIMEOUT, "upstream request timeout", "UT", "upstream_per_try_timeout", !requestEnded);
        }
    }

    private void retryLater() {
        attemptId++; // whatever the old attempt still reports is ignored
        long delay = route.retry().backOff(attempts - 1).toNanos();
        loop.schedule(() -> {
            if (!done) {
                attempt();
            }
        }, delay, TimeUnit.NANOSECONDS);
    }

    private void onRouteTimeout() {
        if (done) {
            return;
        }
        draining = false;
        cancel(tryTimer);
        endAttempt(0);
        closeUpstream();
        attemptId++;
        if (responseStarted) {
            flags.add("UT");
            abort();
            return;
        }
        localReply(HttpResponseStatus.GATEWAY_TIMEOUT, "upstream request timeout", "UT", "upstream_response_timeout", !requestEnded);
    }

    void downstreamClosed() {
        if (!done) {
            flags.add("DC");
            done = true;
            cancel(routeTimer);
            cancel(tryTimer);
            cancel(faultTimer);
            if (attemptOpen) {
                attemptOpen = false;
                proxy.picker().attemptAbandoned(cluster, endpoint); // the client left: nothing to hold against the endpoint
            }
            closeUpstream();
            record();
        }
    }

    void closeAfterResponse() {
        keepAlive = false;
    }

    // ---- endings ----

    private void localReply(HttpResponseStatus status, String body, String flag, String details, boolean close) {
        this.details = details;
        boolean closeNow = close || !keepAlive;
        FullHttpResponse response = request.headers().get(HttpHeaderNames.CONTENT_TYPE, "").startsWith("application/grpc")
                ? LocalReply.grpc(status, body, closeNow)
                : LocalReply.build(status, body, closeNow);
        if (route != null && route.kind() != CompiledRoute.Kind.FORWARD) {
            route.responseHeaders().apply(response.headers());
        }
        finishLocal(response, flag, details, closeNow);
    }

    private void finishLocal(FullHttpResponse response, String flag, String details, boolean close) {
        if (!"-".equals(flag)) {
            flags.add(flag);
        }
        this.details = details;
        status = response.status().code();
        grpcStatus = response.headers().get("grpc-status", "");
        bytesSent = response.content().readableBytes();
        done = true;
        cancel(routeTimer);
        cancel(tryTimer);
        keepAlive = keepAlive && !close;
        ctx.writeAndFlush(response).addListener(f -> finish());
    }

    private void finish() {
        done = true;
        releaseUpstream();
        record();
        owner.exchangeDone(ctx, keepAlive);
    }

    private void abort() {
        done = true;
        cancel(routeTimer);
        record();
        ctx.close(); // a response already under way cannot be replaced: reset the tunnel, as Envoy resets the stream
    }

    /**
     * After a complete exchange over HTTP/1.1 in the tunnel: end our side of the upstream stream
     * (END_STREAM, like a TCP FIN) and let the destination end its own (its ztunnel closes the
     * pod's connection, then ends the stream; {@link UpstreamHandler} closes on that). A
     * RST_STREAM(CANCEL) here would read as an error in the destination's access log. A stream the
     * destination does not end within 10 s is reset then.
     */
    private void releaseUpstream() {
        Channel tunnel = upstreamTunnel;
        if (tunnel == null || upstream != tunnel || !tunnel.isActive()) {
            closeUpstream(); // h2c upstream (its own stream inside the tunnel), or already gone
            return;
        }
        upstream = null;
        upstreamTunnel = null;
        if (upstreamReusable && (bodyless || requestEnded && pendingBody.isEmpty())) {
            // the whole request went up and the whole response came back: the connection is clean for the next one
            proxy.upstreams().giveBack(upstreamKey, tunnel, UPSTREAM_HANDLER);
            return;
        }
        tunnel.writeAndFlush(new io.netty.handler.codec.http2.DefaultHttp2DataFrame(io.netty.buffer.Unpooled.EMPTY_BUFFER, true));
        tunnel.read();
        ScheduledFuture<?> guard = tunnel.eventLoop().schedule(() -> {
            tunnel.close();
        }, 10, TimeUnit.SECONDS);
        tunnel.closeFuture().addListener(f -> guard.cancel(false));
    }

    private void closeUpstream() {
        if (upstream != null) {
            upstream.close();
            upstream = null;
        }
        if (upstreamTunnel != null) {
            upstreamTunnel.close();
            upstreamTunnel = null;
        }
    }

    /** The open attempt's outcome for the balancer: the upstream's status, or 0 for a local failure (connect, reset, timeout). */
    private void endAttempt(int status) {
        if (attemptOpen) {
            attemptOpen = false;
            proxy.picker().attemptEnded(cluster, endpoint, status);
        }
    }

    private void releaseAdmission() {
        if (admitted) {
            admitted = false;
            proxy.picker().release(cluster);
        }
    }

    private static void cancel(ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    private void record() {
        releaseAdmission();
        String flagText = flags.isEmpty() ? "-" : String.join(",", flags);
        SpiffeId source = connect.client();
        RequestRecord record = new RequestRecord(start, request.method().name(), request.uri(), owner.http2() ? "HTTP/2" : "HTTP/1.1", status, flagText, details,
                bytesReceived, bytesSent, (System.nanoTime() - startNanos) / 1_000_000,
                endpoint == null ? "-" : NetUtil.toSocketAddressString(endpoint), target == null ? "-" : target.cluster(),
                route == null ? "-" : route.name(), view == null ? "" : view.authority(), requestId,
                request.headers().get(HttpHeaderNames.USER_AGENT), Optional.of(source), NetUtil.toSocketAddressString(connect.peer()),
                chain == null ? "unknown" : chain.host(), attempts,
                request.headers().get(HttpHeaderNames.CONTENT_TYPE, "").startsWith("application/grpc"), grpcStatus,
                owner.source(), endpoint == null ? null : endpoint.getAddress());
        proxy.telemetry().record(record);
        if (span != null) {
            // Istio's route decorator names the span: <service host>:<port>/*
            String host = chain == null ? (view == null ? connect.target().getHostString() : stripPort(view.authority())) : chain.host();
            span.end(record, host + ":" + connect.target().getPort() + "/*", "http");
            span = null;
        }
    }

    EventLoop loop() {
        return loop;
    }
}
