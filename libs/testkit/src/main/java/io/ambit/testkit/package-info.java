/**
 * Test kit shared by every Ambit module's tests. Starting points: {@link io.ambit.testkit.TestCa}
 * (a throwaway CA that issues X.509-SVIDs, including deliberately broken ones),
 * {@link io.ambit.testkit.TestCaExtension} (one CA per test class, injected as a parameter) and
 * {@link io.ambit.testkit.LoopbackServers} (Netty servers on ephemeral loopback ports, closed after
 * each test). Nothing here is committed key material: every certificate is made at test time.
 */
package io.ambit.testkit;
