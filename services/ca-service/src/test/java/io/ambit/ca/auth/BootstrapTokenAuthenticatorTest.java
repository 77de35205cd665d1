package io.ambit.ca.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;

import io.ambit.ca.CaRequestException;
import io.ambit.identity.WorkloadIdentity;
import org.junit.jupiter.api.Test;

class BootstrapTokenAuthenticatorTest {

    final WorkloadIdentity ztunnel = new WorkloadIdentity("cluster.local", "istio-system", "ztunnel");
    final BootstrapTokenAuthenticator tokens = new BootstrapTokenAuthenticator(
            Map.of("node-a", "token-of-node-a-000000", "node-b", "token-of-node-b-000000"), ztunnel);

    @Test
    void aTokenProvesTheNodeAgentOfItsNode() {
        Caller caller = tokens.authenticate("token-of-node-b-000000");
        assertThat(caller.identity()).isEqualTo(ztunnel);
        assertThat(caller.node()).contains("node-b");
    }

    @Test
    void anUnknownTokenIsRefused() {
        assertThatThrownBy(() -> tokens.authenticate("token-of-node-c-000000"))
                .isInstanceOfSatisfying(CaRequestException.class, e -> assertThat(e.kind()).isEqualTo(CaRequestException.Kind.UNAUTHENTICATED));
        assertThatThrownBy(() -> tokens.authenticate("")).isInstanceOf(CaRequestException.class);
    }

    @Test
    void aServiceTokenProvesOnlyThatServicesIdentityAndNoNode() {
        var withService = new BootstrapTokenAuthenticator(Map.of("node-a", "token-of-node-a-000000"), ztunnel,
                Map.of("xds-server", "token-of-xds-server-0000"));
        Caller caller = withService.authenticate("token-of-xds-server-0000");
        assertThat(caller.identity()).isEqualTo(new WorkloadIdentity("cluster.local", "istio-system", "xds-server"));
        assertThat(caller.node()).isEmpty();
        assertThat(withService.authenticate("token-of-node-a-000000").node()).contains("node-a");
    }

    @Test
    void aServiceTokenCannotNameTheNodeAgentAccount() {
        assertThatThrownBy(() -> new BootstrapTokenAuthenticator(Map.of(), ztunnel, Map.of("ztunnel", "token-of-ztunnel-000000")))
                .hasMessageContaining("without a node");
    }

    @Test
    void shortTokensAreRefusedAtStartUp() {
        assertThatThrownBy(() -> new BootstrapTokenAuthenticator(Map.of("node-a", "short"), ztunnel))
                .hasMessageContaining("at least 16 characters");
    }

    @Test
    void bearerHeaderParsing() {
        assertThat(Credentials.bearer("Bearer abc")).contains("abc");
        assertThat(Credentials.bearer("bearer abc")).contains("abc");
        assertThat(Credentials.bearer("Basic abc")).isEmpty();
        assertThat(Credentials.bearer("Bearer ")).isEmpty();
        assertThat(Credentials.bearer(null)).isEqualTo(Optional.empty());
    }
}
