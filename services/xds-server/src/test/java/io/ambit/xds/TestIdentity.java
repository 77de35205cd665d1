package io.ambit.xds;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.ambit.identity.Pem;
import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.identity.TrustBundle;
import io.ambit.service.TestTokens;
import io.ambit.testkit.IssuedCertificate;
import io.ambit.testkit.TestCa;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * A test CA and the xDS server's certificate written as files, passed to the real service through
 * {@code ambit.xds.identity.cert-file/key-file/bundle-file}, with the ADS listener on port 0 and the
 * HTTP credentials of {@link TestTokens}: boot tests run the whole server without a running ca-service.
 */
public final class TestIdentity {

    public final TestCa ca = TestCa.newRoot("cluster.local");
    public final TrustBundle bundle = TrustBundle.of("cluster.local", ca.root());

    public Svid svid(String spiffeId) {
        IssuedCertificate issued = ca.issue(spiffeId);
        return new Svid(SpiffeId.parse(spiffeId), issued.privateKey(), issued.chain());
    }

    public void register(DynamicPropertyRegistry registry, Path directory) {
        try {
            IssuedCertificate server = ca.issue("spiffe://cluster.local/ns/istio-system/sa/xds-server");
            Path cert = Files.writeString(directory.resolve("cert-chain.pem"), Pem.encodeCertificates(server.chain()));
            Path key = Files.writeString(directory.resolve("key.pem"), Pem.encode(server.privateKey()));
            Path roots = Files.writeString(directory.resolve("root-cert.pem"), Pem.encode(ca.root()));
            registry.add("ambit.xds.identity.cert-file", cert::toString);
            registry.add("ambit.xds.identity.key-file", key::toString);
            registry.add("ambit.xds.identity.bundle-file", roots::toString);
            TestTokens.register(registry);
            registry.add("ambit.xds.grpc.port", () -> "0");
            registry.add("ambit.xds.grpc.address", () -> "127.0.0.1");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
