package io.ambit.gatewayapi.istio;

import java.util.Map;

/** {@code selector}: the workloads a policy applies to, by labels. */
public record WorkloadSelector(Map<String, String> matchLabels) {
}
