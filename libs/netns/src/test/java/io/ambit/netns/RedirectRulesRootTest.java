package io.ambit.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.ambit.testkit.RequiresRoot;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;

/**
 * The redirect rules, each backend the machine has, in a test-made pod namespace wired to a
 * peer namespace: traffic goes where DESIGN §4 says, and the rules come and go without a trace.
 */
@RequiresRoot("creates network namespaces and installs iptables/nftables rules inside them")
class RedirectRulesRootTest {

    private static final int PEER_PORT = 9080;
    private static final int APP_PORT = 8080;

    private PodNetwork network;
    private Listeners listeners;

    static Stream<String> backends() {
        return Stream.of("nftables", "iptables");
    }

    private RedirectRules rules(String backend, RedirectConfig config) {
        boolean available = backend.equals("nftables") ? NftablesRules.available() : IptablesRules.available();
        assumeThat(available).as(backend + " is not installed on this machine").isTrue();
        return backend.equals("nftables") ? new NftablesRules(config) : new IptablesRules(config);
    }

    private void start() throws Exception {
        network = PodNetwork.create("rr", 4);
        listeners = new Listeners();
        listeners.inPod(network.pod, "outbound", 15001);
        listeners.inPod(network.pod, "inbound", 15006);
        listeners.inPod(network.pod, "hbone", 15008);
        listeners.plain(network.peer, "peer", new InetSocketAddress(network.peerIp, PEER_PORT));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (listeners != null) {
            listeners.close();
        }
        if (network != null) {
            network.close();
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void outboundIsRedirectedTo15001WithTheOriginalDestination(String backend) throws Exception {
        RedirectRules rules = rules(backend, RedirectConfig.defaults());
        start();
        rules.install(network.pod);

        InetSocketAddress peer = new InetSocketAddress(network.peerIp, PEER_PORT);
        assertThat(Listeners.greetingFrom(network.pod, peer)).isEqualTo("outbound");
        Listeners.Accepted accepted = listeners.next();
        assertThat(accepted.listener()).isEqualTo("outbound");
        assertThat(accepted.local().getPort()).isEqualTo(15001);
        assertThat(accepted.originalDestination()).isEqualTo(peer);
        // Loopback stays in the pod: the 15006 listener answers on 127.0.0.1 as itself.
        assertThat(Listeners.greetingFrom(network.pod, new InetSocketAddress("127.0.0.1", 15006))).isEqualTo("inbound");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void aMarkedSocketReachesTheRealPeer(String backend) throws Exception {
        RedirectRules rules = rules(backend, RedirectConfig.defaults());
        start();
        rules.install(network.pod);

        assertThat(markedGreeting(new InetSocketAddress(network.peerIp, PEER_PORT))).isEqualTo("peer");
        assertThat(listeners.next().listener()).isEqualTo("peer");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void inboundIsRedirectedTo15006ExceptHbone(String backend) throws Exception {
        RedirectRules rules = rules(backend, RedirectConfig.defaults());
        start();
        rules.install(network.pod);

        InetSocketAddress app = new InetSocketAddress(network.podIp, APP_PORT);
        assertThat(Listeners.greetingFrom(network.peer, app)).isEqualTo("inbound");
        Listeners.Accepted inbound = listeners.next();
        assertThat(inbound.local().getPort()).isEqualTo(15006);
        assertThat(inbound.originalDestination()).isEqualTo(app);

        InetSocketAddress hbone = new InetSocketAddress(network.podIp, 15008);
        assertThat(Listeners.greetingFrom(network.peer, hbone)).isEqualTo("hbone");
        Listeners.Accepted direct = listeners.next();
        assertThat(direct.local()).isEqualTo(hbone);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void ipv6IsRedirectedBothWaysWithItsOriginalDestination(String backend) throws Exception {
        RedirectRules rules = rules(backend, RedirectConfig.defaults());
        start();
        listeners.plain(network.peer, "peer6", new InetSocketAddress(network.peerIp6, PEER_PORT));
        rules.install(network.pod);

        InetSocketAddress app = new InetSocketAddress(network.podIp6, APP_PORT);
        assertThat(Listeners.greetingFrom(network.peer, app)).isEqualTo("inbound");
        assertThat(listeners.next().originalDestination()).isEqualTo(app);

        InetSocketAddress peer = new InetSocketAddress(network.peerIp6, PEER_PORT);
        assertThat(Listeners.greetingFrom(network.pod, peer)).isEqualTo("outbound");
        assertThat(listeners.next().originalDestination()).isEqualTo(peer);
        assertThat(markedGreeting(peer)).isEqualTo("peer6");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void kubeletProbesReachTheAppDirectly(String backend) throws Exception {
        // The peer plays the kubelet: its address is configured as the probe source.
        start();
        RedirectRules rules = rules(backend, RedirectConfig.defaults().withProbeSources(List.of(network.peerIp)));
        listeners.inPod(network.pod, "app", APP_PORT);
        rules.install(network.pod);

        assertThat(Listeners.greetingFrom(network.peer, new InetSocketAddress(network.podIp, APP_PORT))).isEqualTo("app");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void installIsIdempotentAndRemoveRestoresTheExactRuleset(String backend) throws Exception {
        RedirectRules rules = rules(backend, RedirectConfig.defaults());
        start();
        Rulesets before = Rulesets.of(network.pod);

        rules.install(network.pod);
        Rulesets once = Rulesets.of(network.pod);
        rules.install(network.pod);
        Rulesets twice = Rulesets.of(network.pod);
        assertThat(twice).isEqualTo(once);
        assertThat(once).isNotEqualTo(before);

        rules.remove(network.pod);
        assertThat(Rulesets.of(network.pod)).isEqualTo(before);
        rules.remove(network.pod);
        assertThat(Rulesets.of(network.pod)).isEqualTo(before);

        // And the traffic is no longer redirected.
        assertThat(Listeners.greetingFrom(network.pod, new InetSocketAddress(network.peerIp, PEER_PORT))).isEqualTo("peer");
    }

    private String markedGreeting(InetSocketAddress target) throws Exception {
        CompletableFuture<String> greeting = new CompletableFuture<>();
        Channel channel = new Bootstrap()
                .group(listeners.group)
                .channelFactory(new InPodSocketChannelFactory(network.pod))
                .handler(new SimpleChannelInboundHandler<ByteBuf>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                        greeting.complete(msg.toString(StandardCharsets.UTF_8).strip());
                    }
                })
                .connect(target).sync().channel();
        try {
            return greeting.get(10, TimeUnit.SECONDS);
        } finally {
            channel.close().sync();
        }
    }

    /** Everything netfilter holds in the namespace, as nft and iptables-save print it (counters zeroed). */
    record Rulesets(String nft, String iptables, String ip6tables) {
        static Rulesets of(NetNamespace ns) throws Exception {
            return ns.run(() -> new Rulesets(
                    print("nft", "list", "ruleset"),
                    print("iptables-save"),
                    print("ip6tables-save")));
        }

        private static String print(String... command) throws CommandException {
            if (Commands.find(command[0]).isEmpty()) {
                return "";
            }
            return Commands.run(List.of(command), null).lines()
                    .filter(line -> !line.startsWith("#"))
                    // iptables-save's [packets:bytes] and nft's "counter packets N bytes M": a stray
                    // packet (a late segment of an earlier test's connection) must not count as a change
                    .map(line -> line.replaceAll("\\[\\d+:\\d+]", "[0:0]").replaceAll("counter packets \\d+ bytes \\d+", "counter packets 0 bytes 0"))
                    .reduce("", (a, b) -> a + b + "\n");
        }
    }
}
