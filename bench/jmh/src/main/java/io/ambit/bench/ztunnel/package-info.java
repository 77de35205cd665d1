/**
 * The ztunnel data-plane benchmark's Java parts, run by {@code bench/ztunnel.sh} inside network
 * namespaces: {@link io.ambit.bench.ztunnel.LatencyClient} (open-loop request/response load) in the client pod, against the lab's echo workload
 * ({@code workloads/echo}, TCP echo) in the server pod.
 * Throughput is iperf3's job, not Java's.
 */
package io.ambit.bench.ztunnel;
