package io.ambit.tls;

import static io.ambit.tls.TlsTestSupport.svid;
import static org.assertj.core.api.Assertions.assertThat;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLHandshakeException;

import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.identity.TrustBundle;
import io.ambit.testkit.LoopbackServers;
import io.ambit.testkit.TestCa;
import io.ambit.testkit.TestCaExtension;
import io.ambit.tls.TlsTestSupport.Client;
import io.ambit.tls.TlsTestSupport.EchoServer;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

@ExtendWith(TestCaExtension.class)
class MeshTlsTest {

    private static final SpiffeId SERVER = SpiffeId.parse("spiffe://cluster.local/ns/echo/sa/server");
    private static final SpiffeId CLIENT = SpiffeId.parse("spiffe://cluster.local/ns/sleep/sa/client");

    @RegisterExtension
    final LoopbackServers servers = new LoopbackServers();

    private TrustBundle bundle;
    private Svid serverSvid;
    private Svid clientSvid;

    @BeforeEach
    void issue(TestCa ca) {
        bundle = TrustBundle.of(ca.trustDomain(), ca.root());
        serverSvid = svid(ca.issue(SERVER.toString()));
        clientSvid = svid(ca.issue(CLIENT.toString()));
    }

    @Test
    void handshakesTls13OnBoringSsl() throws Exception {
        assertThat(OpenSsl.isAvailable()).as("BoringSSL loaded: %s", OpenSsl.unavailabilityCause()).isTrue();
        SslContext serverContext = MeshTls.server(serverSvid, bundle, PeerPolicy.exactly(CLIENT));
        SslContext clientContext = MeshTls.client(clientSvid, bundle, PeerPolicy.exactly(SERVER));
        EchoServer server = new EchoServer(servers, ch -> serverContext.newHandler(ch.alloc()));

        Client client = Client.connect(servers, server.address, ch -> clientContext.newHandler(ch.alloc()));

        assertThat(client.awaitHandshake()).isNull();
        assertThat(client.ssl().engine()).isInstanceOf(ReferenceCountedOpenSslEngine.class);
        assertThat(client.ssl().engine().getSession().getProtocol()).isEqualTo("TLSv1.3");
        assertThat(client.ssl().engine().getSession().getCipherSuite()).isIn(MeshTls.CIPHERS);
        assertThat(client.ssl().applicationProtocol()).isEqualTo(ApplicationProtocolNames.HTTP_2);
        assertThat(PeerIdentities.of(client.ssl().engine().getSession())).contains(SERVER);
        assertThat(client.echo("hello over mTLS")).isEqualTo("hello over mTLS");
    }

    @Test
    void clientKeepsNoSessionSoEveryConnectionIsAFullHandshake() throws Exception {
        SslContext serverContext = MeshTls.server(serverSvid, bundle, PeerPolicy.exactly(CLIENT));
        SslContext clientContext = MeshTls.client(clientSvid, bundle, PeerPolicy.exactly(SERVER));
        EchoServer server = new EchoServer(servers, ch -> serverContext.newHandler(ch.alloc()));
        String host = server.address.getHostString();
        int port = server.address.getPort();

        for (int i = 0; i < 2; i++) {
            // Host and port given, as HboneClient gives them: a session cache would keep the server's tickets under them.
            Client client = Client.connect(servers, server.address, ch -> clientContext.newHandler(ch.alloc(), host, port));
            assertThat(client.awaitHandshake()).isNull();
            // The server's NewSessionTickets come before its first bytes: read them.
            assertThat(client.echo("after the tickets")).isEqualTo("after the tickets");
            assertThat(PeerIdentities.of(client.ssl().engine().getSession())).contains(SERVER);
            client.channel().close().syncUninterruptibly();
        }

        assertThat(java.util.Collections.list(clientContext.sessionContext().getIds()))
                .as("sessions the client kept for resumption").isEmpty();
    }

    @Test
    void serverSeesTheClientIdentity() throws Exception {
        SslContext serverContext = MeshTls.server(serverSvid, bundle, PeerPolicy.anyInTrustDomain("cluster.local"));
        java.util.concurrent.CompletableFuture<SpiffeId> seen = new java.util.concurrent.CompletableFuture<>();
        EchoServer server = new EchoServer(servers, ch -> {
            var handler = serverContext.newHandler(ch.alloc());
            handler.handshakeFuture().addListener(f -> {
                if (f.isSuccess()) {
                    seen.complete(PeerIdentities.of(handler.engine().getSession()).orElseThrow());
                }
            });
            assertThat(handler.engine()).isInstanceOf(ReferenceCountedOpenSslEngine.class);
            return handler;
        });
        SslContext clientContext = MeshTls.client(clientSvid, bundle, PeerPolicy.exactly(SERVER));
        assertThat(Client.connect(servers, server.address, ch -> clientContext.newHandler(ch.alloc())).awaitHandshake()).isNull();
        assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo(CLIENT);
    }

    @Test
    void refusesAClientWithTheWrongSpiffeId(TestCa ca) throws Exception {
        SslContext serverContext = MeshTls.server(serverSvid, bundle, PeerPolicy.exactly(CLIENT));
        Svid intruder = svid(ca.issue("spiffe://cluster.local/ns/sleep/sa/intruder"));
        SslContext intruderContext = MeshTls.client(intruder, bundle, PeerPolicy.exactly(SERVER));
        EchoServer server = new EchoServer(servers, ch -> serverContext.newHandler(ch.alloc()));

        Client client = Client.connect(servers, server.address, ch -> intruderContext.newHandler(ch.alloc()));
        client.awaitHandshake();
        // TLS 1.3: the client finishes before the server checks its certificate, so the refusal
        // shows as the server's failure and the connection closing under the client.
        Throwable refused = server.handshakeFailures.poll(10, TimeUnit.SECONDS);
        assertThat(refused).isNotNull();
        assertThat(rootMessages(refused)).contains("client identity spiffe://cluster.local/ns/sleep/sa/intruder is not allowed");
        assertThat(client.channel().closeFuture().awaitUninterruptibly(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void clientRefusesAServerWithTheWrongSpiffeId() {
        SslContext serverContext = MeshTls.server(serverSvid, bundle, PeerPolicy.anyInTrustDomain("cluster.local"));
        SslContext clientContext = MeshTls.client(clientSvid, bundle,
                PeerPolicy.exactly(SpiffeId.parse("spiffe://cluster.local/ns/echo/sa/someone-else")));
        EchoServer server = new EchoServer(servers, ch -> serverContext.newHandler(ch.alloc()));

        Throwable failure = Client.connect(servers, server.address, ch -> clientContext.newHandler(ch.alloc())).awaitHandshake();
        assertThat(failure).isInstanceOf(SSLHandshakeException.class);
        assertThat(rootMessages(failure)).contains("server identity " + SERVER + " is not allowed");
    }

    @Test
    void refusesAClientFromAnotherCa() {
        TestCa stranger = TestCa.newRoot("cluster.local");
        Svid strangerSvid = svid(stranger.issue(CLIENT.toString()));
        SslContext serverContext = MeshTls.server(serverSvid, bundle, PeerPolicy.exactly(CLIENT));
        // The stranger trusts our root (and its own, so it may use its certificate): only the
        // server's check can stop it.
        TrustBundle both = new TrustBundle("cluster.local", List.of(bundle.authorities().getFirst(), stranger.root()));
        SslContext strangerContext = MeshTls.client(strangerSvid, both, PeerPolicy.exactly(SERVER));
        EchoServer server = new EchoServer(servers, ch -> serverContext.newHandler(ch.alloc()));

        Client.connect(servers, server.address, ch -> strangerContext.newHandler(ch.alloc())).awaitHandshake();
        assertThat(rootMessages(pollFailure(server))).contains("UNTRUSTED_ISSUER");
    }

    @Test
    void refusesATls12OnlyClient() throws Exception {
        SslContext serverContext = MeshTls.server(serverSvid, bundle, PeerPolicy.exactly(CLIENT));
        EchoServer server = new EchoServer(servers, ch -> serverContext.newHandler(ch.alloc()));
        SslContext tls12 = SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .protocols("TLSv1.2")
                .keyManager(clientSvid.key(), clientSvid.chain().toArray(X509Certificate[]::new))
                .trustManager(InsecureTrustManagerFactory.INSTANCE)
                .build();

        Throwable failure = Client.connect(servers, server.address, ch -> tls12.newHandler(ch.alloc())).awaitHandshake();
        assertThat(failure).isInstanceOf(SSLHandshakeException.class);
        assertThat(pollFailure(server)).isNotNull();
    }

    @Test
    void refusesAClientThatOnlyOffersChaCha20() throws Exception {
        SslContext serverContext = MeshTls.server(serverSvid, bundle, PeerPolicy.exactly(CLIENT));
        EchoServer server = new EchoServer(servers, ch -> serverContext.newHandler(ch.alloc()));
        SslContext chacha = SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .protocols("TLSv1.3")
                .ciphers(List.of("TLS_CHACHA20_POLY1305_SHA256"))
                .keyManager(clientSvid.key(), clientSvid.chain().toArray(X509Certificate[]::new))
                .trustManager(InsecureTrustManagerFactory.INSTANCE)
                .build();

        Client client = Client.connect(servers, server.address, ch -> chacha.newHandler(ch.alloc()));
        client.awaitHandshake();
        Throwable refused = server.errors.poll(10, TimeUnit.SECONDS);
        assertThat(refused).isInstanceOf(AesGcmOnly.DisallowedCipherSuiteException.class)
                .hasMessageContaining("negotiated TLS_CHACHA20_POLY1305_SHA256");
        assertThat(client.channel().closeFuture().awaitUninterruptibly(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void newConnectionsUseReloadedKeyMaterialWhileOldOnesKeepWorking(TestCa ca) throws Exception {
        ReloadableSslContext serverContext = ReloadableSslContext.server(
                new ReloadableSslContext.KeyMaterial(serverSvid, bundle), PeerPolicy.exactly(CLIENT));
        SslContext clientContext = MeshTls.client(clientSvid, bundle, PeerPolicy.exactly(SERVER));
        EchoServer server = new EchoServer(servers, ch -> serverContext.newHandler(ch.alloc()));

        Client before = Client.connect(servers, server.address, ch -> clientContext.newHandler(ch.alloc()));
        assertThat(before.awaitHandshake()).isNull();
        assertThat(before.echo("first")).isEqualTo("first");

        Svid renewed = svid(ca.issue(SERVER.toString()));
        serverContext.update(new ReloadableSslContext.KeyMaterial(renewed, bundle));

        Client after = Client.connect(servers, server.address, ch -> clientContext.newHandler(ch.alloc()));
        assertThat(after.awaitHandshake()).isNull();
        assertThat(peerLeaf(after)).isEqualTo(renewed.leaf());
        assertThat(peerLeaf(before)).isEqualTo(serverSvid.leaf());
        assertThat(before.echo("old connection still carries data")).isEqualTo("old connection still carries data");
        assertThat(after.echo("new connection too")).isEqualTo("new connection too");
    }

    /** The same through the plain {@code SslContext} view a server that takes one fixed context (Reactor Netty) gets. */
    @Test
    void theFixedContextViewFollowsReloadsToo(TestCa ca) throws Exception {
        ReloadableSslContext serverContext = ReloadableSslContext.server(
                new ReloadableSslContext.KeyMaterial(serverSvid, bundle), PeerPolicy.exactly(CLIENT));
        SslContext fixedView = serverContext.asSslContext();
        SslContext clientContext = MeshTls.client(clientSvid, bundle, PeerPolicy.exactly(SERVER));
        EchoServer server = new EchoServer(servers, ch -> fixedView.newHandler(ch.alloc()));
        assertThat(fixedView.isServer()).isTrue();
        assertThat(fixedView.applicationProtocolNegotiator().protocols()).containsExactly("h2");

        Client before = Client.connect(servers, server.address, ch -> clientContext.newHandler(ch.alloc()));
        assertThat(before.awaitHandshake()).isNull();
        assertThat(peerLeaf(before)).isEqualTo(serverSvid.leaf());

        Svid renewed = svid(ca.issue(SERVER.toString()));
        serverContext.update(new ReloadableSslContext.KeyMaterial(renewed, bundle));
        Client after = Client.connect(servers, server.address, ch -> clientContext.newHandler(ch.alloc()));
        assertThat(after.awaitHandshake()).isNull();
        assertThat(peerLeaf(after)).isEqualTo(renewed.leaf());
        assertThat(after.echo("through the view")).isEqualTo("through the view");
    }

    @Test
    void aFailedReloadKeepsTheWorkingContext(TestCa ca) {
        ReloadableSslContext context = ReloadableSslContext.server(
                new ReloadableSslContext.KeyMaterial(serverSvid, bundle), PeerPolicy.exactly(CLIENT));
        SslContext working = context.current();
        // A certificate from a CA outside the bundle: peers would refuse it, so the reload does.
        Svid foreign = svid(TestCa.newRoot("cluster.local").issue(SERVER.toString()));
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> context.update(new ReloadableSslContext.KeyMaterial(foreign, bundle)))
                .isInstanceOf(TlsSetupException.class)
                .hasMessageContaining("UNTRUSTED_ISSUER");
        assertThat(context.current()).isSameAs(working);
    }

    private static X509Certificate peerLeaf(Client client) throws Exception {
        return (X509Certificate) client.ssl().engine().getSession().getPeerCertificates()[0];
    }

    private static Throwable pollFailure(EchoServer server) {
        try {
            Throwable failure = server.handshakeFailures.poll(10, TimeUnit.SECONDS);
            assertThat(failure).as("server-side handshake failure").isNotNull();
            return failure;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static String rootMessages(Throwable failure) {
        StringBuilder messages = new StringBuilder();
        List<Throwable> seen = new java.util.ArrayList<>();
        for (Throwable t = failure; t != null && !seen.contains(t); t = t.getCause()) {
            seen.add(t);
            messages.append(t.getMessage()).append(" | ");
        }
        return messages.toString();
    }
}
