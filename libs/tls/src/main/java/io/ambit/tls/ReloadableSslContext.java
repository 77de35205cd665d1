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

    public SslHandler newHandler(ByteBufAllocator allocator) {
        return current().newHandler(allocator);
    }

    public SslHandler newHandler(ByteBufAllocator allocator, String peerHost, int peerPort) {
        return current().newHandler(allocator, peerHost, peerPort);
    }
}
