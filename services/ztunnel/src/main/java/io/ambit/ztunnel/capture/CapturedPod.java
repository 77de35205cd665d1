package io.ambit.ztunnel.capture;

import java.nio.file.Path;
import java.time.Instant;

import io.ambit.ztunnel.proxy.PodProxy;
import io.ambit.ztunnel.state.Workload;

/**
 * A pod this ztunnel captures: where its namespace was found, which rules redirect it and
 * since when, and the proxy serving it.
 */
public record CapturedPod(Workload workload, Path namespace, String rules, Instant since, PodProxy proxy) {
}
