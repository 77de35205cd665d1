package io.ambit.gatewayapi.istio.crd;

import java.util.List;

/**
 * The status the xds-server writes on Istio objects: conditions as Istio's {@code IstioStatus}
 * carries them ({@code type}, {@code status}, {@code reason}, {@code message},
 * {@code lastTransitionTime}, {@code observedGeneration}), and a ServiceEntry's assigned addresses.
 */
public record IstioStatus(List<Condition> conditions, Long observedGeneration, List<Address> addresses) {

    /** A ServiceEntry's assigned address (Istio's {@code ServiceEntryAddress}). */
    public record Address(String value, String host) {
    }

    public record Condition(String type, String status, String reason, String message, String lastTransitionTime,
                            Long observedGeneration) {
    }
}
