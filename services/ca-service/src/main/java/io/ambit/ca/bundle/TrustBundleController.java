package io.ambit.ca.bundle;

import java.time.Duration;

import io.ambit.ca.keys.CaKeyMaterial;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The trust bundle over HTTP (port 15014): PEM, as Istio's {@code istio-ca-root-cert} ConfigMap
 * holds it, and the SPIFFE bundle (JWK set) for SPIFFE-aware consumers.
 */
@RestController
public class TrustBundleController {

    static final Duration REFRESH_HINT = Duration.ofMinutes(5);

    private final CaKeyMaterial keys;

    public TrustBundleController(CaKeyMaterial keys) {
        this.keys = keys;
    }

    @GetMapping(value = "/ca/root-cert.pem", produces = "application/x-pem-file")
    public String rootCertPem() {
        return keys.bundle().toPem();
    }

    @GetMapping(value = "/ca/spiffe-bundle.json", produces = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<String> spiffeBundle() {
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON)
                .body(keys.bundle().toSpiffeBundleJson(REFRESH_HINT));
    }
}
