package io.ambit.hbone;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ReflectiveChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

/** Plain TCP to the target, with a connect timeout; auto-read off so the relay controls reading. */
public final class TcpUpstreamConnector implements UpstreamConnector {

    private static final Logger log = LoggerFactory.getLogger(TcpUpstreamConnector.class);

    private final ChannelFactory<? extends Channel> channels;
    /** Tests listen here for the slow-socket warning; null otherwise. */
    volatile Consumer<String> slowSocketListener;
    private final int connectTimeoutMillis;

    public TcpUpstreamConnector(Transport transport, Duration connectTimeout) {
        this(new ReflectiveChannelFactory<>(transport.socketChannel()), connectTimeout);
    }

    /** @param channels where sockets are made (ztunnel: inside the destination pod's network namespace) */
    public TcpUpstreamConnector(ChannelFactory<? extends Channel> channels, Duration connectTimeout) {
        this.channels = channels;
        this.connectTimeoutMillis = Math.toIntExact(connectTimeout.toMillis());
    }

    @Override
    public Future<Channel> connect(EventLoop loop, InetSocketAddress target, ConnectRequest request) {
        return connect(loop, target);
    }

    /** The same connect, for callers with no CONNECT request (ztunnel's passthrough and plain-text inbound). */
    public Future<Channel> connect(EventLoop loop, InetSocketAddress target) {
        Promise<Channel> connected = loop.newPromise();
        // The caller usually runs inside the loop's epoll batch (see SocketCreation).
        SocketCreation.onLoop(loop, () -> {
            ChannelFuture attempt = new Bootstrap()
                    .group(loop)
                    .channelFactory((ChannelFactory<Channel>) this::newChannel)
                    .option(ChannelOption.AUTO_READ, false)
                    .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, DataPathBuffers.current().tcpReads())
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                    .handler(new InboundHold())
                    .connect(target);
            attempt.addListener(f -> {
                if (f.isSuccess()) {
                    connected.setSuccess(attempt.channel());
                } else {
                    connected.setFailure(f.cause());
                }
            });
        }, connected::setFailure);
        return connected;
    }

    /**
     * Makes the socket, and says so when that was slow: it runs on the event loop before the connect
     * timeout starts, and in ztunnel it means a thread entering the pod's network namespace (issue 12:
     * a CONNECT waited 56 s and the connect timeout is 5 s, so only a step outside it could explain it).
     */
    private Channel newChannel() {
        long start = System.nanoTime();
        Channel channel = channels.newChannel();
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        if (millis >= SlowConnect.thresholdMillis()) {
            String message = "creating an upstream socket with " + channels + " took " + millis
                    + " ms (on the event loop, before the connect timeout starts)";
            log.warn(message);
            Consumer<String> test = slowSocketListener;
            if (test != null) {
                test.accept(message);
            }
        }
        return channel;
    }
}
