package io.ambit.echo.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

import io.ambit.echo.Addresses;
import io.ambit.echo.EchoException;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/**
 * The echo workload's four listeners on one event loop group: HTTP/1.1 + h2c, gRPC, TCP echo and
 * server-speaks-first TCP. {@link #start} binds them all before it returns, so a port conflict
 * stops start-up; {@link #close} stops accepting, lets gRPC calls finish, then closes every
 * connection.
 */
public final class EchoServer implements AutoCloseable {

    /** How long {@link #close} waits for calls in flight. */
    static final Duration GRACE = Duration.ofSeconds(2);

    /** A bound listener: {@code http}, {@code grpc}, {@code tcp} or {@code server-first}. */
    public record Listener(String protocol, InetSocketAddress address) {
        @Override
        public String toString() {
            return "listening " + protocol + " " + Addresses.format(address);
        }
    }

    /** The order listeners are reported in. */
    static final List<String> PROTOCOLS = List.of("http", "grpc", "tcp", "server-first");

    private final EventLoopGroup group;
    private final List<Channel> channels = new ArrayList<>();
    private final List<Listener> listeners = new ArrayList<>();
    private Server grpc;

    private EchoServer(EventLoopGroup group) {
        this.group = group;
    }

    public static EchoServer start(ServerOptions options, AccessLog accessLog) throws EchoException.Startup {
        ServerIdentity identity = new ServerIdentity(options.pod(), options.serviceVersion());
        // gRPC and protobuf are a third of start-up: load and start them on another core while
        // Netty binds the other listeners.
        CompletableFuture<EventLoopGroup> groupReady = new CompletableFuture<>();
        FutureTask<Server> grpcStart = new FutureTask<>(() -> startGrpc(options, identity, accessLog, groupReady));
        Thread.ofPlatform().name("echo-grpc-start").daemon().start(grpcStart);
        EchoServer server;
        try {
            server = new EchoServer(new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory()));
        } catch (RuntimeException e) {
            groupReady.completeExceptionally(e);
            throw e;
        }
        groupReady.complete(server.group);
        try {
            server.bind("http", options, options.httpPort(), new HttpEchoInitializer(identity, accessLog));
            server.bind("tcp", options, options.tcpPort(), tcp(() -> new ChannelHandler[] {
                    new TcpEchoHandler("tcp", accessLog)}));
            server.bind("server-first", options, options.serverFirstPort(), tcp(() -> new ChannelHandler[] {
                    new ServerFirstBanner(identity), new TcpEchoHandler("server-first", accessLog)}));
        } catch (EchoException.Startup | RuntimeException e) {
            server.grpc = joinQuietly(grpcStart); // so that close() stops it too
            server.close();
            throw e;
        }
        try {
            server.grpc = join(grpcStart);
        } catch (EchoException.Startup | RuntimeException e) {
            server.close();
            throw e;
        }
        server.listeners.add(new Listener("grpc",
                reported(options.bind(), (InetSocketAddress) server.grpc.getListenSockets().getFirst())));
        server.listeners.sort(Comparator.comparingInt(l -> PROTOCOLS.indexOf(l.protocol())));
        return server;
    }

    private static Server startGrpc(ServerOptions options, ServerIdentity identity, AccessLog accessLog,
            Future<EventLoopGroup> groupReady) throws Exception {
        InetSocketAddress wanted = new InetSocketAddress(options.bind(), options.grpcPort());
        NettyServerBuilder builder = NettyServerBuilder.forAddress(wanted)
                .channelType(NioServerSocketChannel.class)
                .directExecutor()
                .addService(GrpcEchoService.definition(identity, accessLog));
        EventLoopGroup group = groupReady.get();
        Server grpc = builder.bossEventLoopGroup(group).workerEventLoopGroup(group).build();
        try {
            return grpc.start();
        } catch (IOException e) {
            throw cannotListen("grpc", wanted, e);
        }
    }

    private static Server join(FutureTask<Server> grpcStart) throws EchoException.Startup {
        try {
            return grpcStart.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof EchoException.Startup startup) {
                throw startup;
            }
            throw new IllegalStateException("the gRPC server could not start (a bug): " + e.getCause(), e.getCause());
        }
    }

    private static Server joinQuietly(FutureTask<Server> grpcStart) {
        try {
            return join(grpcStart);
        } catch (EchoException.Startup | RuntimeException e) {
            return null;
        }
    }

    /** The bound listeners, in the order http, grpc, tcp, server-first. */
    public List<Listener> listeners() {
        return List.copyOf(listeners);
    }

    /** The bound address of one protocol's listener. */
    public InetSocketAddress address(String protocol) {
        return listeners.stream().filter(l -> l.protocol().equals(protocol)).findFirst()
                .map(Listener::address)
                .orElseThrow(() -> new IllegalArgumentException("no listener for " + protocol));
    }

    private void bind(String protocol, ServerOptions options, int port, ChannelHandler initializer)
            throws EchoException.Startup {
        InetSocketAddress wanted = new InetSocketAddress(options.bind(), port);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(initializer);
        if (!protocol.equals("http")) {
            bootstrap.childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        }
        var bound = bootstrap.bind(wanted).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            throw cannotListen(protocol, wanted, bound.cause());
        }
        channels.add(bound.channel());
        listeners.add(new Listener(protocol, reported(options.bind(), (InetSocketAddress) bound.channel().localAddress())));
    }

    /**
     * The address to report for a bound listener. Java binds 0.0.0.0 as a dual-stack socket and
     * then reports {@code [0:0:0:0:0:0:0:0]}: report the address that was asked for instead.
     */
    static InetSocketAddress reported(InetAddress asked, InetSocketAddress bound) {
        return bound.getAddress().isAnyLocalAddress() ? new InetSocketAddress(asked, bound.getPort()) : bound;
    }

    private static ChannelInitializer<SocketChannel> tcp(java.util.function.Supplier<ChannelHandler[]> handlers) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel channel) {
                channel.pipeline().addLast(handlers.get());
            }
        };
    }

    private static EchoException.Startup cannotListen(String protocol, InetSocketAddress address, Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return new EchoException.Startup("cannot listen for " + protocol + " on " + Addresses.format(address) + ": "
                + root.getMessage() + " (choose another port with --" + protocol + ", or 0 for an ephemeral one)", cause);
    }

    @Override
    public void close() {
        for (Channel channel : channels) {
            channel.close().awaitUninterruptibly();
        }
        if (grpc != null) {
            grpc.shutdown();
            try {
                grpc.awaitTermination(GRACE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            grpc.shutdownNow();
        }
        group.shutdownGracefully(0, GRACE.toMillis(), TimeUnit.MILLISECONDS).awaitUninterruptibly();
    }
}
