package io.ambit.netns;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.ambit.testkit.RequiresRoot;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import java.util.concurrent.CompletableFuture;

@RequiresRoot("creates network namespaces, opens sockets inside them and sets SO_MARK")
class InPodSocketsRootTest {

    private PodNetwork network;
    private Listeners listeners;

    @BeforeEach
    void setUp() throws IOException {
        network = PodNetwork.create("sk", 3);
        listeners = new Listeners();
    }

    @AfterEach
    void tearDown() throws Exception {
        listeners.close();
        network.close();
    }

    @Test
    void aListenerMadeInThePodIsReachableThereAndNotFromTheHost() throws Exception {
        Channel listener = listeners.inPod(network.pod, "in-pod", 0);
        int port = ((InetSocketAddress) listener.localAddress()).getPort();

        assertThat(Listeners.greetingFrom(network.pod, new InetSocketAddress("127.0.0.1", port))).isEqualTo("in-pod");
        assertThat(Listeners.greetingFrom(network.pod, new InetSocketAddress(network.podIp, port))).isEqualTo("in-pod");
        // The peer reaches it over the veth too: it listens on the pod's addresses.
        assertThat(Listeners.greetingFrom(network.peer, new InetSocketAddress(network.podIp, port))).isEqualTo("in-pod");

        // From the host's namespace the port is not there. (Only loopback is tried: a SYN to the
        // pod's IP from the host would follow the host's default route off the machine.)
        // Something of the host's own may hold the same port number: then it must not be ours.
        assertThat(listeners.accepted).hasSize(3);
        listeners.accepted.clear();
        try (SocketChannel fromHost = SocketChannel.open(new InetSocketAddress("127.0.0.1", port))) {
            assertThat(listeners.accepted.poll(500, TimeUnit.MILLISECONDS)).as("accepted from the host").isNull();
        } catch (IOException refused) {
            assertThat(refused).hasMessageContaining("Connection refused");
        }
    }

    @Test
    void listenersAreMarkedAndShareTheirPort() throws Exception {
        Channel first = listeners.inPod(network.pod, "first", 0);
        int port = ((InetSocketAddress) first.localAddress()).getPort();
        EpollServerSocketChannel epoll = (EpollServerSocketChannel) first;
        assertThat(SocketMark.of(epoll.fd().intValue())).isEqualTo(SocketMark.ZTUNNEL);
        assertThat(epoll.config().isReusePort()).isTrue();
        // What a new ztunnel does while the old one still listens.
        Channel second = listeners.inPod(network.pod, "second", port);
        assertThat(((InetSocketAddress) second.localAddress()).getPort()).isEqualTo(port);
    }

    @Test
    void anUpstreamSocketLeavesFromThePodAndIsMarked() throws Exception {
        listeners.plain(network.peer, "peer", new InetSocketAddress(network.peerIp, 9080));
        CompletableFuture<String> greeting = new CompletableFuture<>();
        CompletableFuture<Integer> mark = new CompletableFuture<>();
        Channel upstream = new Bootstrap()
                .group(listeners.group)
                .channelFactory(new InPodSocketChannelFactory(network.pod))
                .handler(new SimpleChannelInboundHandler<ByteBuf>() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) throws Exception {
                        // Read while the socket is surely open: the peer closes once it has greeted.
                        mark.complete(SocketMark.of(((EpollSocketChannel) ctx.channel()).fd().intValue()));
                        ctx.fireChannelActive();
                    }

                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                        greeting.complete(msg.toString(StandardCharsets.UTF_8).strip());
                    }
                })
                .connect(new InetSocketAddress(network.peerIp, 9080)).sync().channel();
        try {
            assertThat(greeting.get(10, TimeUnit.SECONDS)).isEqualTo("peer");
            assertThat(mark.get(10, TimeUnit.SECONDS)).isEqualTo(SocketMark.ZTUNNEL);
            assertThat(((InetSocketAddress) upstream.localAddress()).getAddress()).isEqualTo(network.podIp);
        } finally {
            upstream.close().sync();
        }
    }
}
