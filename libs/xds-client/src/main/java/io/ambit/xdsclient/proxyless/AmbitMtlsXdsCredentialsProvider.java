package io.ambit.xdsclient.proxyless;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.identity.TrustBundle;
import io.ambit.tls.MeshTls;
import io.ambit.tls.PeerPolicy;
import io.grpc.ChannelCredentials;
import io.grpc.netty.NettySslContextChannelCredentials;
import io.grpc.xds.XdsCredentialsProvider;

/**
 * How a proxyless gRPC client reaches the xDS server: bootstrap {@code channel_creds} type
 * {@code ambit_mtls}, mutual TLS with the workload's own SVID (files the CA client keeps fresh) and
 * the server checked by SPIFFE ID, not by host name (the xDS server's certificate carries only its
 * SPIFFE ID). grpc-java 1.77's own {@code tls} type takes no client certificate, and
 * {@code insecure} would let anyone read the mesh's routes. Config: {@code certificate_file},
 * {@code private_key_file}, {@code ca_certificate_file}, {@code server_spiffe_id}.
 * Registered through {@code META-INF/services/io.grpc.xds.XdsCredentialsProvider} of this jar.
 */
public final class AmbitMtlsXdsCredentialsProvider extends XdsCredentialsProvider {

    public static final String NAME = "ambit_mtls";

    @Override
    protected ChannelCredentials newChannelCredentials(Map<String, ?> config) {
        if (config == null) {
            throw new IllegalArgumentException(NAME + " needs a config");
        }
        SpiffeId server = SpiffeId.parse(string(config, "server_spiffe_id"));
        try {
            Svid svid = Svid.fromPem(Files.readString(Path.of(string(config, "certificate_file"))),
                    Files.readString(Path.of(string(config, "private_key_file"))));
            TrustBundle bundle = TrustBundle.fromPem(server.trustDomain(), Files.readString(Path.of(string(config, "ca_certificate_file"))));
            return NettySslContextChannelCredentials.create(MeshTls.client(svid, bundle, PeerPolicy.exactly(server)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String string(Map<String, ?> config, String key) {
        if (!(config.get(key) instanceof String value) || value.isEmpty()) {
            throw new IllegalArgumentException(NAME + " config needs " + key);
        }
        return value;
    }

    @Override
    protected String getName() {
        return NAME;
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public int priority() {
        return 5;
    }
}
