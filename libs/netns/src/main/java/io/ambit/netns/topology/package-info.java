/**
 * The one kit that builds the mesh lab's network (DESIGN §5) out of network namespaces: a router,
 * nodes with a bridge each, pods with a veth into their node's bridge. The lab ({@code ./mesh up}),
 * the root tests of every module and {@code bench/ztunnel.sh} (through {@link io.ambit.netns.topology.TopologyMain})
 * all build their pods here, each under its own name prefix so that their leftovers never meet.
 */
package io.ambit.netns.topology;
