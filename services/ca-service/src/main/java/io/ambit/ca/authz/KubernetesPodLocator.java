package io.ambit.ca.authz;

import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

/**
 * Kubernetes mode: an informer on all pods, indexed by {@code node/namespace/serviceaccount}, so
 * the node rule is a map lookup, not an API call per request. Finished pods (Succeeded, Failed)
 * no longer count: their identity is no longer needed on the node.
 */
public final class KubernetesPodLocator implements PodLocator, AutoCloseable {

    static final String INDEX = "node-serviceaccount";

    private final SharedIndexInformer<Pod> informer;

    public KubernetesPodLocator(KubernetesClient client) {
        this.informer = client.pods().inAnyNamespace().runnableInformer(0);
        informer.addIndexers(Map.of(INDEX, pod -> LocalPodLocator.isRunning(pod)
                ? List.of(LocalPodLocator.key(pod.getSpec().getNodeName(), pod.getMetadata().getNamespace(),
                        pod.getSpec().getServiceAccountName() == null ? "default" : pod.getSpec().getServiceAccountName()))
                : List.of()));
    }

    /** Starts the informer and waits for the first full list, so the first answer is not a false "no". */
    public KubernetesPodLocator start() {
        informer.run();
        return this;
    }

    @Override
    public boolean runsOnNode(String node, String namespace, String serviceAccount) {
        return !informer.getIndexer().byIndex(INDEX, LocalPodLocator.key(node, namespace, serviceAccount)).isEmpty();
    }

    @Override
    public void close() {
        informer.close();
    }
}
