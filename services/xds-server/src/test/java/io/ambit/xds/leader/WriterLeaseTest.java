package io.ambit.xds.leader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.ambit.xds.state.Generation;
import io.ambit.xds.state.XdsState;
import io.ambit.xds.store.LocalConfigStore;
import io.ambit.xds.translate.MeshInputs;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.Test;

/**
 * Two xds-server replicas against one API server (fabric8's mock, CRUD): one holds the Lease and
 * only its writers run; when it stops, the other takes the lease and its writers start from the
 * latest generation.
 */
@EnableKubernetesMockClient(crud = true)
class WriterLeaseTest {

    static final LeaderElectionProperties FAST = new LeaderElectionProperties("istio-system", "ambit-xds-server-writer",
            Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofMillis(200));
    static final String NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata: {name: demo, labels: {istio.io/dataplane-mode: ambient}}\n";

    KubernetesMockServer server;
    KubernetesClient client;

    /** A writer that records what it was asked to write. */
    static final class RecordingWriter implements XdsState.TranslationHook {
        final List<Long> generations = new CopyOnWriteArrayList<>();

        @Override
        public void translated(Generation generation, MeshInputs inputs) {
            generations.add(generation.storeVersion());
        }
    }

    @Test
    void onlyTheLeaseHolderWritesAndTheOtherTakesOverWhenItStops() {
        LocalConfigStore store = new LocalConfigStore();
        store.apply("setup", NAMESPACE);
        RecordingWriter writerA = new RecordingWriter();
        RecordingWriter writerB = new RecordingWriter();
        try (XdsState state = new XdsState(store, "cluster.local", Duration.ZERO);
             WriterLease a = new WriterLease(client, FAST, "xds-server-a");
             WriterLease b = new WriterLease(client, FAST, "xds-server-b")) {
            state.addTranslationHook(a.gate(writerA));
            state.addTranslationHook(b.gate(writerB));
            a.start();
            await().atMost(Duration.ofSeconds(20)).until(a::isLeader);
            b.start();

            // b stands but does not get the lease while a renews it; only a's writer runs.
            await().atMost(Duration.ofSeconds(20)).until(() -> !writerA.generations.isEmpty());
            store.apply("more", NAMESPACE.replace("name: demo", "name: shop"));
            long version = store.snapshot().version();
            await().atMost(Duration.ofSeconds(20)).until(() -> writerA.generations.contains(version));
            assertThat(b.isLeader()).isFalse();
            assertThat(writerB.generations).isEmpty();
            Lease lease = client.leases().inNamespace("istio-system").withName("ambit-xds-server-writer").get();
            assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("xds-server-a");

            // a stops (a replica shutting down): b takes the lease and its writer starts from the latest generation.
            a.close();
            await().atMost(Duration.ofSeconds(20)).until(b::isLeader);
            await().atMost(Duration.ofSeconds(20)).until(() -> writerB.generations.contains(version));
            assertThat(client.leases().inNamespace("istio-system").withName("ambit-xds-server-writer").get().getSpec().getHolderIdentity())
                    .isEqualTo("xds-server-b");
            int aWrites = writerA.generations.size();
            store.apply("later", NAMESPACE.replace("name: demo", "name: later"));
            long later = store.snapshot().version();
            await().atMost(Duration.ofSeconds(20)).until(() -> writerB.generations.contains(later));
            assertThat(writerA.generations).hasSize(aWrites).doesNotContain(later);
        }
    }

    @Test
    void timingsThatCannotWorkAreRefused() {
        assertThatThrownBy(() -> new LeaderElectionProperties("istio-system", "l", Duration.ofSeconds(10), Duration.ofSeconds(15),
                Duration.ofSeconds(2))).hasMessageContaining("retry-period < renew-deadline < lease-duration");
        assertThatThrownBy(() -> new LeaderElectionProperties("istio-system", "l", Duration.ofSeconds(15), Duration.ofSeconds(10),
                Duration.ZERO)).hasMessageContaining("0 < retry-period");
    }
}
