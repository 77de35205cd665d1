/**
 * The ztunnel data-plane benchmark's Java parts, run by {@code bench/ztunnel.sh} inside network
 * namespaces: {@link io.ambit.bench.ztunnel.EchoServer} in the server pod and
 * {@link io.ambit.bench.ztunnel.LatencyClient} (open-loop request/response load) in the client pod.
 * Throughput is iperf3's job, not Java's.
 */
package io.ambit.bench.ztunnel;
