package io.ambit.service.security;

import java.nio.file.Path;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Who may call a service's HTTP side ({@code ambit.security.*}), the same for every service.
 *
 * @param admin         the admin credential: reads and writes (role {@code admin}, which includes {@code viewer})
 * @param viewer        the viewer credential: reads only (role {@code viewer})
 * @param services      control-plane services that call this one, by service account in {@code meshNamespace}:
 *                      a credential that proves that identity and nothing else; endpoints name the identities
 *                      they admit (e.g. ca-service may ask the xds-server's store which pods run on a node)
 * @param trustDomain   the trust domain of the identities in {@code services}
 * @param meshNamespace the namespace of the identities in {@code services}
 * @param openMetrics   whether {@code /actuator/prometheus} answers without a credential, as Istio's metrics ports do
 *                      (Prometheus scrapes them unauthenticated); {@code false} puts it behind {@code viewer}
 */
@Validated
@ConfigurationProperties("ambit.security")
public record MeshSecurityProperties(
        @DefaultValue Credential admin,
        @DefaultValue Credential viewer,
        @DefaultValue Map<String, Credential> services,
        @DefaultValue("cluster.local") String trustDomain,
        @DefaultValue("istio-system") String meshNamespace,
        @DefaultValue("true") boolean openMetrics) {

    /** Where the admin token lives unless configured: what {@code ./mesh up} writes and {@code ./meshctl} reads. */
    public static final String DEFAULT_ADMIN_TOKEN_FILE = ".mesh/tokens/admin";
    public static final String DEFAULT_VIEWER_TOKEN_FILE = ".mesh/tokens/viewer";

    public MeshSecurityProperties {
        if (admin.tokenFile() == null && admin.token() == null) {
            admin = new Credential(Path.of(DEFAULT_ADMIN_TOKEN_FILE), null);
        }
        if (viewer.tokenFile() == null && viewer.token() == null) {
            viewer = new Credential(Path.of(DEFAULT_VIEWER_TOKEN_FILE), null);
        }
    }

    /**
     * A bearer token, from a file (owner-only) or from the environment ({@code AMBIT_SECURITY_ADMIN_TOKEN}
     * and the like). Never from the command line: {@link SecretsOffCommandLine} refuses that at start.
     *
     * @param tokenFile a file holding the token (surrounding white space ignored); a missing file means no such caller
     * @param token     the token itself; wins over {@code tokenFile}
     */
    public record Credential(Path tokenFile, String token) {
    }
}
