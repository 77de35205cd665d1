package io.ambit.ztunnel.proxy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ambit.hbone.DataPathBuffers;
import io.ambit.hbone.HboneClient;
import io.ambit.hbone.HboneServer;
import io.ambit.hbone.HbonePool;
import io.ambit.hbone.InboundHold;
import io.ambit.hbone.RelayStats;
import io.ambit.hbone.TargetPolicy;
import io.ambit.hbone.TcpUpstreamConnector;
import io.ambit.ztunnel.socks.Socks5ServerHandler;
import io.ambit.ztunnel.state.Workload;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;

/**
 * ztunnel's proxy for one pod: its listeners — 15001 outbound and 15006 inbound plain text
 * (only where redirect rules feed them), 15008 inbound HBONE, 15080 SOCKS5 when enabled — and
 * the HBONE connection pool its outbound tunnels share, all using the pod's {@link PodSockets}
 * (in-pod: inside its network namespace). Closing it closes its listeners, the connections they
 * accepted and its pool; the pod keeps running.
 */
public final class PodProxy implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PodProxy.class);

    private final Workload pod;
    private final HboneServer hbone;
    private final HbonePool pool;
    private final List<Channel> listeners;
    private final Optional<Channel> socks;
    private final ChannelGroup accepted;
    private final RelayStats relayStats;
    private final Duration drainDeadline;

    private PodProxy(Workload pod, HboneServer hbone, HbonePool pool, List<Channel> listeners, Optional<Channel> socks,
            ChannelGroup accepted, RelayStats relayStats, Duration drainDeadline) {
        this.pod = pod;
        this.drainDeadline = drainDeadline;
        this.socks = socks;
        this.hbone = hbone;
        this.pool = pool;
        this.listeners = listeners;
        this.accepted = accepted;
        this.relayStats = relayStats;
    }

    /**
     * Opens the pod's listeners on {@code bind} (in-pod: the wildcard address inside its namespace;
     * on the host: an address of the pod) and, for SOCKS5, on {@code socksBind} (the pod's loopback).
     * A listener that cannot bind fails the whole start and closes what was opened.
     */
    public static PodProxy start(ProxyContext context, Workload pod, PodSockets sockets, InetAddress bind,
            InetAddress socksBind) {
        ProxyProperties settings = context.settings();
        RelayStats relayStats = new RelayStats();
        TcpUpstreamConnector upstream = new TcpUpstreamConnector(sockets.connections(), settings.connectTimeout());
        HbonePool pool = HbonePool.withIstioDefaults(
                new HboneClient(context.transport(), context.hboneClient(), sockets.connections(), sockets.source()),
                context.certificates()::current);
        Outbound outbound = new Outbound(context, pod, upstream, pool, relayStats);
        ChannelGroup accepted = new DefaultChannelGroup("pod-" + pod.name(), GlobalEventExecutor.INSTANCE);
        List<Channel> listeners = new ArrayList<>();
        HboneServer hbone = null;
        Channel socks = null;
        try {
            InboundHbone inbound = new InboundHbone(context, pod);
            hbone = HboneServer.builder(context.transport(), () -> context.certificates().server(pod.identity()))
                    .bind(new InetSocketAddress(bind, settings.hbonePort()))
                    .channelFactory(sockets.listeners())
                    .targetPolicy(TargetPolicy.addresses(Set.copyOf(pod.addresses())))
                    .authorizer(inbound)
                    .observer(inbound)
                    .upstream(upstream)
                    .settings(context.hboneServer())
                    .relayStats(relayStats)
                    .start();
            if (sockets.captures()) {
                listeners.add(listen(context, sockets, accepted, new InetSocketAddress(bind, settings.outboundPort()), false,
                        () -> new CapturedOutboundHandler(outbound, sockets)));
                listeners.add(listen(context, sockets, accepted, new InetSocketAddress(bind, settings.inboundPort()), false,
                        () -> new InboundPlaintextHandler(context, pod, sockets, upstream)));
            }
            if (settings.socks()) {
                socks = listen(context, sockets, accepted, new InetSocketAddress(socksBind, settings.socksPort()), true,
                        () -> new SocksHandler(outbound, context));
                listeners.add(socks);
            }
        } catch (RuntimeException e) {
            listeners.forEach(Channel::close);
            if (hbone != null) {
                hbone.close();
            }
            pool.close();
            throw e;
        }
        log.info("serving pod {} ({}) with {}: HBONE {}{}", pod.uid(), pod.identity(), sockets, hbone.address(),
                listeners.isEmpty() ? "" : ", " + listeners.stream().map(c -> c.localAddress().toString()).toList());
        return new PodProxy(pod, hbone, pool, List.copyOf(listeners), Optional.ofNullable(socks), accepted, relayStats,
                settings.drainDeadline());
    }

    /**
     * A listener whose accepted connections start with auto-read off and an {@link InboundHold}
     * (nothing is read before the relay), except SOCKS5, which reads its handshake first.
     */
    private static Channel listen(ProxyContext context, PodSockets sockets, ChannelGroup accepted, InetSocketAddress address,
            boolean socks, java.util.function.Supplier<ChannelHandler> handler) {
        return new ServerBootstrap()
                .group(context.transport().acceptors(), context.transport().group())
                .channelFactory(sockets.listeners())
                .childOption(ChannelOption.AUTO_READ, socks)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, DataPathBuffers.current().tcpReads())
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        accepted.add(ch);
                        if (socks) {
                            ch.pipeline().addLast(new Socks5ServerHandler());
                        }
                        ch.pipeline().addLast(InboundHold.NAME, new InboundHold());
                        ch.pipeline().addLast(handler.get());
                    }
                })
                .bind(address)
                .syncUninterruptibly()
                .channel();
    }

    public Workload pod() {
        return pod;
    }

    /** The pod's HBONE listener. */
    public InetSocketAddress hboneAddress() {
        return hbone.address();
    }

    /** The SOCKS5 listener, when enabled. */
    public Optional<InetSocketAddress> socksAddress() {
        return socks.map(c -> (InetSocketAddress) c.localAddress());
    }

    /** Every listener's address (15001, 15006, 15080 as opened). */
    public List<InetSocketAddress> listenerAddresses() {
        return listeners.stream().map(c -> (InetSocketAddress) c.localAddress()).toList();
    }

    public HbonePool pool() {
        return pool;
    }

    public RelayStats relayStats() {
        return relayStats;
    }

    /**
     * Drains as ztunnel does on shutdown, so a restart loses no byte of a connection that ends in
     * time: stop accepting, GOAWAY to the HBONE clients (their next tunnels go elsewhere), let the
     * open connections, inbound and outbound, finish up to the drain deadline; then close what is
     * left, and the pod's outbound HBONE connections with it.
     */
    @Override
    public void close() {
        listeners.forEach(c -> c.close().syncUninterruptibly());
        CompletableFuture<Void> inbound = hbone.drain(drainDeadline);
        List<CompletableFuture<Void>> open = new ArrayList<>();
        open.add(inbound);
        for (Channel connection : accepted) {
            CompletableFuture<Void> closed = new CompletableFuture<>();
            connection.closeFuture().addListener(f -> closed.complete(null));
            open.add(closed);
        }
        try {
            CompletableFuture.allOf(open.toArray(CompletableFuture[]::new))
                    .get(drainDeadline.toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.info("pod {}: {} connection(s) still open at the drain deadline ({}); closing them", pod.uid(),
                    accepted.size(), drainDeadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            log.debug("draining pod {} failed: {}", pod.uid(), e.toString());
        }
        accepted.close().awaitUninterruptibly();
        hbone.close();
        pool.close();
        log.info("stopped serving pod {}", pod.uid());
    }
}
