package io.ambit.gatewayapi.istio;

import java.util.Map;

/** {@code security.istio.io/v1} PeerAuthentication {@code spec}. */
public record PeerAuthenticationSpec(WorkloadSelector selector, Mtls mtls, Map<Integer, Mtls> portLevelMtls) {

    public record Mtls(Mode mode) {
    }

    public enum Mode { UNSET, DISABLE, PERMISSIVE, STRICT }
}
