package io.ambit.ca.bundle;

import java.util.Map;
import java.util.Objects;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes mode: keeps ConfigMap {@code istio-ca-root-cert} (key {@code root-cert.pem}) in every
 * namespace, as istiod does, so workloads and tools find the mesh roots where Istio puts them.
 * New namespaces get it as they appear; an edited copy is put back.
 */
public final class RootCertConfigMapPublisher implements AutoCloseable {

    public static final String NAME = "istio-ca-root-cert";
    public static final String KEY = "root-cert.pem";

    private static final Logger log = LoggerFactory.getLogger(RootCertConfigMapPublisher.class);

    private final KubernetesClient client;
    private final String rootPem;
    private SharedIndexInformer<Namespace> informer;

    public RootCertConfigMapPublisher(KubernetesClient client, String rootPem) {
        this.client = client;
        this.rootPem = rootPem;
    }

    public RootCertConfigMapPublisher start() {
        informer = client.namespaces().inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Namespace namespace) {
                publish(namespace.getMetadata().getName());
            }

            @Override
            public void onUpdate(Namespace before, Namespace after) {
                publish(after.getMetadata().getName());
            }

            @Override
            public void onDelete(Namespace namespace, boolean unknownFinalState) {
            }
        }, 10 * 60 * 1000L);
        return this;
    }

    void publish(String namespace) {
        try {
            ConfigMap existing = client.configMaps().inNamespace(namespace).withName(NAME).get();
            if (existing != null && existing.getData() != null && Objects.equals(existing.getData().get(KEY), rootPem)) {
                return;
            }
            ConfigMap wanted = new ConfigMapBuilder()
                    .withNewMetadata().withName(NAME).withNamespace(namespace)
                    .addToLabels("istio.io/config", "true").addToLabels("app.kubernetes.io/part-of", "ambit")
                    .endMetadata()
                    .withData(Map.of(KEY, rootPem))
                    .build();
            if (existing == null) {
                client.configMaps().inNamespace(namespace).resource(wanted).create();
            } else {
                wanted.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
                client.configMaps().inNamespace(namespace).resource(wanted).update();
            }
            log.info("published {} in namespace {}", NAME, namespace);
        } catch (KubernetesClientException e) {
            log.warn("cannot publish {} in namespace {}: {}", NAME, namespace, e.getMessage());
        }
    }

    @Override
    public void close() {
        if (informer != null) {
            informer.close();
        }
    }
}
