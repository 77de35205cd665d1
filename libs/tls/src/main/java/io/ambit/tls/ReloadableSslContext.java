package io.ambit.tls;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import io.ambit.identity.Svid;
import io.ambit.identity.TrustBundle;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;

/**
 * An {@link SslContext} whose key material can be replaced while a listener keeps running: each
 * new connection takes the context current at accept (or connect) time, and connections already
 * open keep the engine they handshook with. This is how certificate rotation works without
 * dropping traffic; a listener never needs a restart.
 */
public final class ReloadableSslContext {

    /** The key material of one generation: an SVID and the bundle that validates peers. */
    public record KeyMaterial(Svid svid, TrustBundle bundle) {
        public KeyMaterial {
            Objects.requireNonNull(svid, "svid");
            Objects.requireNonNull(bundle, "bundle");
        }
    }

    private final Function<KeyMaterial, SslContext> factory;
    private final AtomicReference<Generation> current = new AtomicReference<>();

    private record Generation(KeyMaterial material, SslContext context) {
    }

    private ReloadableSslContext(Function<KeyMaterial, SslContext> factory, KeyMaterial initial) {
        this.factory = factory;
        update(initial);
    }

    /** Any context shape: {@code factory} builds a context from each generation's material. */
    public static ReloadableSslContext of(KeyMaterial initial, Function<KeyMaterial, SslContext> factory) {
        return new ReloadableSslContext(factory, initial);
    }

    public static ReloadableSslContext server(KeyMaterial initial, PeerPolicy clients) {
        return new ReloadableSslContext(m -> MeshTls.server(m.svid(), m.bundle(), clients), initial);
    }

    public static ReloadableSslContext client(KeyMaterial initial, PeerPolicy servers) {
        return new ReloadableSslContext(m -> MeshTls.client(m.svid(), m.bundle(), servers), initial);
    }

    /**
     * Builds the new context first and swaps it in only if that succeeded, so bad key material
     * leaves the old, working context in place.
     */
    public void update(KeyMaterial material) {
        SslContext context = factory.apply(material);
        current.set(new Generation(material, context));
    }

    public SslContext current() {
        return current.get().context();
    }

    public KeyMaterial keyMaterial() {
        return current.get().material();
    }

    /**
     * This context as a plain Netty {@link SslContext} for servers that take one fixed context at
     * bind time (Reactor Netty's {@code secure(...)}): every engine and handler it makes comes from
     * the generation current at that moment, so rotation works there too.
     */
    public SslContext asSslContext() {
        return new Rotating();
    }

    private final class Rotating extends SslContext {
        @Override
        public boolean isClient() {
            return current().isClient();
        }

        @Override
        public java.util.List<String> cipherSuites() {
            return current().cipherSuites();
        }

        @Override
        public io.netty.handler.ssl.ApplicationProtocolNegotiator applicationProtocolNegotiator() {
            return current().applicationProtocolNegotiator();
        }

        @Override
        public javax.net.ssl.SSLEngine newEngine(ByteBufAllocator allocator) {
            return current().newEngine(allocator);
        }

        @Override
        public javax.net.ssl.SSLEngine newEngine(ByteBufAllocator allocator, String peerHost, int peerPort) {
            return current().newEngine(allocator, peerHost, peerPort);
        }

        @Override
        public javax.net.ssl.SSLSessionContext sessionContext() {
            return current().sessionContext();
        }

        // Handlers from the current context itself, so its engine type's own handler set-up applies.
        @Override
        protected SslHandler newHandler(ByteBufAllocator allocator, boolean startTls) {
            return current().newHandler(allocator);
        }

        @Override
        protected SslHandler newHandler(ByteBufAllocator allocator, String peerHost, int peerPort, boolean startTls) {
            return current().newHandler(allocator, peerHost, peerPort);
        }

        @Override
        public SslHandler newHandler(ByteBufAllocator allocator, java.util.concurrent.Executor executor) {
            return current().newHandler(allocator, executor);
        }

        @Override
        public SslHandler newHandler(ByteBufAllocator allocator, String peerHost, int peerPort, java.util.concurrent.Executor executor) {
            return current().newHandler(allocator, peerHost, peerPort, executor);
        }
    }

    public SslHandler newHandler(ByteBufAllocator allocator) {
        return current().newHandler(allocator);
    }

    public SslHandler newHandler(ByteBufAllocator allocator, String peerHost, int peerPort) {
        return current().newHandler(allocator, peerHost, peerPort);
    }
}
