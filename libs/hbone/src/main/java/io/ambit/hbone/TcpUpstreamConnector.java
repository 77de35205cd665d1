package io.ambit.hbone;

import java.net.InetSocketAddress;
import java.time.Duration;

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

    private final ChannelFactory<? extends Channel> channels;
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
                    .channelFactory(channels)
                    .option(ChannelOption.AUTO_READ, false)
                    .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .option(ChannelOption.TCP_NODELAY, true)
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
}
