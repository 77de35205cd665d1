package io.ambit.service.security;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.http.server.reactive.SslInfo;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.server.authentication.ServerAuthenticationConverter;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Mutual TLS: the client certificate of a connection the server's TLS already verified (a service
 * serving HTTPS with an SSL bundle from the mesh CA, {@code server.ssl.client-auth=want|need})
 * proves a control-plane identity when its one URI SAN is {@code spiffe://<trust-domain>/ns/<mesh
 * namespace>/sa/<sa>}: the same {@link MeshCaller} a service token proves, so the same
 * {@link AccessRule} identity lists admit it. The chain is never judged here: a certificate only
 * reaches this point through the handshake's trust manager. Any other certificate (a workload of
 * another namespace, several URI SANs, no SPIFFE ID) proves nothing and is refused with 401.
 */
final class SpiffeCertificateConverter implements ServerAuthenticationConverter {

    private static final int URI_SAN = 6;
    private static final Pattern ISTIO_ID = Pattern.compile("spiffe://([^/]+)/ns/([^/]+)/sa/([^/]+)");

    private final String trustDomain;
    private final String meshNamespace;

    SpiffeCertificateConverter(String trustDomain, String meshNamespace) {
        this.trustDomain = trustDomain;
        this.meshNamespace = meshNamespace;
    }

    @Override
    public Mono<Authentication> convert(ServerWebExchange exchange) {
        SslInfo ssl = exchange.getRequest().getSslInfo();
        X509Certificate[] peer = ssl == null ? null : ssl.getPeerCertificates();
        if (peer == null || peer.length == 0) {
            return Mono.empty();
        }
        return Mono.fromCallable(() -> MeshAuthentication.of(callerOf(peer[0])));
    }

    MeshCaller callerOf(X509Certificate leaf) {
        List<String> uris = uriSans(leaf);
        if (uris.size() != 1) {
            throw new BadCredentialsException("a client certificate must carry exactly one URI SAN (a SPIFFE ID), this one has "
                    + uris.size());
        }
        Matcher id = ISTIO_ID.matcher(uris.getFirst());
        if (!id.matches() || !id.group(1).equals(trustDomain) || !id.group(2).equals(meshNamespace)) {
            throw new BadCredentialsException("client certificate " + uris.getFirst() + " is not a control-plane identity (spiffe://"
                    + trustDomain + "/ns/" + meshNamespace + "/sa/<service>)");
        }
        return MeshCaller.service(uris.getFirst(), id.group(3));
    }

    private static List<String> uriSans(X509Certificate leaf) {
        List<String> uris = new ArrayList<>();
        try {
            Collection<List<?>> names = leaf.getSubjectAlternativeNames();
            if (names != null) {
                for (List<?> name : names) {
                    if (name.size() == 2 && Integer.valueOf(URI_SAN).equals(name.get(0))) {
                        uris.add(String.valueOf(name.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            throw new BadCredentialsException("client certificate's SANs do not parse: " + e.getMessage());
        }
        return uris;
    }
}
