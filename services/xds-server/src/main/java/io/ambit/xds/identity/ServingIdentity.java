package io.ambit.xds.identity;

import java.util.function.Consumer;

import io.ambit.tls.ReloadableSslContext;

/**
 * Where the xDS server's own certificate and the mesh roots come from. Listeners hear the first
 * key material as soon as it exists and every renewal after it.
 */
public interface ServingIdentity extends AutoCloseable {

    void addListener(Consumer<ReloadableSslContext.KeyMaterial> listener);

    @Override
    default void close() {
    }

    /** Key material that never changes (tests, or a certificate managed outside the server). */
    static ServingIdentity fixed(ReloadableSslContext.KeyMaterial material) {
        return listener -> listener.accept(material);
    }
}
