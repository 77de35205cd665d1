package io.ambit.hbone;

import java.net.InetSocketAddress;
import java.time.Duration;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

/** Plain TCP to the target, with a connect timeout; auto-read off so the relay controls reading. */
public final class TcpUpstreamConnector implements UpstreamConnector {

    private final Class<? extends Channel> channelClass;
    private final int connectTimeoutMillis;

    public TcpUpstreamConnector(Transport transport, Duration connectTimeout) {
        this.channelClass = transport.socketChannel();
        this.connectTimeoutMillis = Math.toIntExact(connectTimeout.toMillis());
    }

    @Override
    public Future<Channel> connect(EventLoop loop, InetSocketAddress target, ConnectRequest request) {
        Promise<Channel> connected = loop.newPromise();
        ChannelFuture attempt = new Bootstrap()
                .group(loop)
                .channel(channelClass)
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
        return connected;
    }
}
