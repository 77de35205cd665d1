package io.ambit.ca.keys;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes mode: Istio's plug-in Secret {@code cacerts} if it exists; otherwise the self-signed
 * root in Secret {@code istio-ca-secret}, created on first start. If two CA replicas race to create
 * it, the loser reads the winner's, so every replica signs under the same root.
 */
public final class SecretCaKeyStore implements CaKeyStore {

    public static final String PLUGIN_SECRET = "cacerts";
    public static final String SELF_SIGNED_SECRET = "istio-ca-secret";

    private static final Logger log = LoggerFactory.getLogger(SecretCaKeyStore.class);

    private final KubernetesClient client;
    private final String namespace;
    private final String trustDomain;

    public SecretCaKeyStore(KubernetesClient client, String namespace, String trustDomain) {
        this.client = client;
        this.namespace = namespace;
        this.trustDomain = trustDomain;
    }

    @Override
    public CaKeyMaterial loadOrCreate() {
        Secret plugin = client.secrets().inNamespace(namespace).withName(PLUGIN_SECRET).get();
        if (plugin != null) {
            log.info("using plug-in CA from Secret {}/{}", namespace, PLUGIN_SECRET);
            return read(plugin);
        }
        Secret existing = client.secrets().inNamespace(namespace).withName(SELF_SIGNED_SECRET).get();
        if (existing != null) {
            return read(existing);
        }
        CaKeyMaterial created = SelfSignedRoot.create(trustDomain);
        Map<String, String> data = new HashMap<>();
        CaCertsLayout.write(created).forEach((name, pem) ->
                data.put(name, Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.UTF_8))));
        Secret secret = new SecretBuilder()
                .withNewMetadata().withName(SELF_SIGNED_SECRET).withNamespace(namespace)
                .addToLabels("app.kubernetes.io/part-of", "ambit").endMetadata()
                .withType("istio.io/ca-root")
                .withData(data)
                .build();
        try {
            client.secrets().inNamespace(namespace).resource(secret).create();
            log.info("created a self-signed root for {} in Secret {}/{}", trustDomain, namespace, SELF_SIGNED_SECRET);
            return created;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                return read(client.secrets().inNamespace(namespace).withName(SELF_SIGNED_SECRET).get());
            }
            throw new CaKeyMaterialException("cannot create Secret " + namespace + "/" + SELF_SIGNED_SECRET + ": " + e.getMessage(), e);
        }
    }

    private CaKeyMaterial read(Secret secret) {
        Map<String, String> files = new HashMap<>();
        if (secret.getData() != null) {
            secret.getData().forEach((name, base64) ->
                    files.put(name, new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8)));
        }
        if (secret.getStringData() != null) {
            files.putAll(secret.getStringData());
        }
        return CaCertsLayout.read(files, trustDomain, "Secret " + namespace + "/" + secret.getMetadata().getName());
    }
}
