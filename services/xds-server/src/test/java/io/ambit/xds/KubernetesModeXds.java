package io.ambit.xds;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The real xds-server in Kubernetes mode (profile {@code kubernetes}) against a test's API server
 * (fabric8's mock, whose client {@code client} is), with a {@link TestIdentity} written to
 * {@code files}, on ephemeral ports.
 */
public final class KubernetesModeXds {

    private KubernetesModeXds() {
    }

    public static ConfigurableApplicationContext start(KubernetesClient client, Path files) throws Exception {
        // Spring Cloud Kubernetes' client reads these: the mock API server, and nothing of this machine's
        System.setProperty("kubernetes.master", client.getMasterUrl().toString());
        System.setProperty("kubernetes.trust.certificates", "true");
        System.setProperty("kubernetes.auth.tryKubeConfig", "false");
        System.setProperty("kubernetes.auth.tryServiceAccount", "false");
        System.setProperty("kubernetes.namespace", "istio-system");
        Map<String, Object> properties = new LinkedHashMap<>();
        new TestIdentity().register((name, value) -> properties.put(name, value.get()), files);
        properties.put("server.port", "0");
        properties.put("management.server.port", "0");
        // as arguments: they outrank application-kubernetes.yaml (the pod's file paths)
        List<String> args = new ArrayList<>(List.of("--spring.profiles.active=kubernetes"));
        properties.forEach((name, value) -> args.add("--" + name + "=" + value));
        return new SpringApplicationBuilder(XdsServerApplication.class).run(args.toArray(String[]::new));
    }
}
