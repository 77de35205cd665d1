package io.ambit.xds.waypoint;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * The ServiceAccount, Deployment and Service of one waypoint Gateway, shaped as istiod's waypoint
 * template makes them: named after the Gateway; labelled {@code gateway.networking.k8s.io/gateway-name},
 * {@code gateway.networking.k8s.io/gateway-class-name} and {@code gateway.istio.io/managed:
 * istio.io-mesh-controller}; owned by the Gateway (so Kubernetes' garbage collector removes them
 * with it); pods selected by the gateway-name label and kept out of the mesh
 * ({@code istio.io/dataplane-mode: none}); the Service has {@code status-port} 15021 and one port
 * per listener (named after it, {@code appProtocol} its protocol in lower case).
 *
 * <p>Each object carries {@link #HASH} of what was rendered: the controller compares that, not the
 * live object (which the API server fills with defaults), to decide whether to write.
 */
public final class WaypointResources {

    public static final String GATEWAY_NAME = "gateway.networking.k8s.io/gateway-name";
    public static final String GATEWAY_CLASS_NAME = "gateway.networking.k8s.io/gateway-class-name";
    public static final String MANAGED = "gateway.istio.io/managed";
    public static final String MESH_CONTROLLER = "istio.io-mesh-controller";
    public static final String HASH = "ambit.io/rendered-hash";
    static final int STATUS_PORT = 15021;
    static final int METRICS_PORT = 15020;
    static final int HBONE_PORT = 15008;

    /** What one Gateway needs, in creation order (the Deployment's pods need the ServiceAccount). */
    public record Rendered(ServiceAccount serviceAccount, Deployment deployment, Service service) {
        public List<HasMetadata> all() {
            return List.of(serviceAccount, deployment, service);
        }
    }

    private WaypointResources() {
    }

    public static Rendered render(GenericKubernetesResource gateway, WaypointDeploymentProperties settings, String trustDomain,
            String clusterId) {
        ObjectMeta gatewayMeta = gateway.getMetadata();
        String name = gatewayMeta.getName();
        String namespace = gatewayMeta.getNamespace();
        String gatewayClass = String.valueOf(spec(gateway).get("gatewayClassName"));
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(GATEWAY_NAME, name);
        labels.put(GATEWAY_CLASS_NAME, gatewayClass);
        labels.put(MANAGED, MESH_CONTROLLER);
        OwnerReference owner = new OwnerReferenceBuilder().withApiVersion("gateway.networking.k8s.io/v1").withKind("Gateway")
                .withName(name).withUid(gatewayMeta.getUid()).build();

        ServiceAccount account = new ServiceAccountBuilder().withMetadata(meta(name, namespace, labels, Map.of(), owner)).build();

        Map<String, String> podLabels = new LinkedHashMap<>();
        podLabels.put("sidecar.istio.io/inject", "false");
        podLabels.put("istio.io/dataplane-mode", "none");
        podLabels.put("service.istio.io/canonical-name", name);
        podLabels.put("service.istio.io/canonical-revision", "latest");
        podLabels.putAll(labels);
        Deployment deployment = new DeploymentBuilder()
                .withMetadata(meta(name, namespace, labels, Map.of(), owner))
                .withNewSpec()
                .withNewSelector().addToMatchLabels(GATEWAY_NAME, name).endSelector()
                .withNewTemplate()
                .withNewMetadata().withLabels(podLabels)
                .addToAnnotations("prometheus.io/scrape", "true")
                .addToAnnotations("prometheus.io/port", Integer.toString(METRICS_PORT))
                .addToAnnotations("prometheus.io/path", "/actuator/prometheus")
                .endMetadata()
                .withNewSpec()
                .withServiceAccountName(name)
                .withTerminationGracePeriodSeconds(30L)
                .withContainers(new ContainerBuilder()
                        .withName("waypoint")
                        .withImage(settings.image())
                        .withImagePullPolicy(settings.imagePullPolicy())
                        .withArgs("--spring.profiles.active=kubernetes")
                        .withEnv(env(settings, trustDomain, clusterId))
                        .addNewPort().withName("hbone").withContainerPort(HBONE_PORT).withProtocol("TCP").endPort()
                        .addNewPort().withName("metrics").withContainerPort(METRICS_PORT).withProtocol("TCP").endPort()
                        .addNewPort().withName("status-port").withContainerPort(STATUS_PORT).withProtocol("TCP").endPort()
                        .withNewReadinessProbe().withNewHttpGet().withPath("/readyz").withPort(new IntOrString(STATUS_PORT))
                        .endHttpGet().withPeriodSeconds(15).withFailureThreshold(4).endReadinessProbe()
                        .withNewLivenessProbe().withNewHttpGet().withPath("/livez").withPort(new IntOrString(STATUS_PORT))
                        .endHttpGet().endLivenessProbe()
                        .withNewResources()
                        .addToRequests("cpu", new Quantity("100m")).addToRequests("memory", new Quantity("192Mi"))
                        // Istio's proxy limit; the heap alone may take services/waypoint/jvm.options's -Xmx (384m) plus metaspace and Netty's direct arenas
                        .addToLimits("memory", new Quantity("1Gi"))
                        .endResources()
                        .withNewSecurityContext()
                        .withRunAsNonRoot(true).withRunAsUser(1337L).withRunAsGroup(1337L)
                        .withAllowPrivilegeEscalation(false).withPrivileged(false).withReadOnlyRootFilesystem(true)
                        .withNewCapabilities().withDrop("ALL").endCapabilities()
                        .endSecurityContext()
                        .withVolumeMounts(
                                new VolumeMountBuilder().withName("istio-token").withMountPath("/var/run/secrets/tokens").withReadOnly(true).build(),
                                new VolumeMountBuilder().withName("istio-ca-root-cert").withMountPath("/var/run/secrets/istio").withReadOnly(true).build(),
                                // netty-tcnative unpacks its native library here: the root filesystem is read-only
                                new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build())
                        .build())
                .withVolumes(
                        new VolumeBuilder().withName("istio-token").withNewProjected().addNewSource().withNewServiceAccountToken()
                                .withAudience("istio-ca").withExpirationSeconds(43200L).withPath("istio-token")
                                .endServiceAccountToken().endSource().endProjected().build(),
                        new VolumeBuilder().withName("istio-ca-root-cert").withNewConfigMap().withName("istio-ca-root-cert")
                                .endConfigMap().build(),
                        new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir().build())
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();

        Service service = new ServiceBuilder()
                .withMetadata(meta(name, namespace, labels, Map.of("networking.istio.io/traffic-distribution", "PreferClose"), owner))
                .withNewSpec()
                .withType("ClusterIP")
                .withIpFamilyPolicy("PreferDualStack")
                .withSelector(Map.of(GATEWAY_NAME, name))
                .withPorts(servicePorts(gateway))
                .endSpec()
                .build();
        return new Rendered(hashed(account), hashed(deployment), hashed(service));
    }

    /** Istio's: {@code status-port} first, then one port per distinct listener port. */
    static List<ServicePort> servicePorts(GenericKubernetesResource gateway) {
        List<ServicePort> ports = new ArrayList<>();
        ports.add(new ServicePortBuilder().withName("status-port").withPort(STATUS_PORT).withProtocol("TCP").withAppProtocol("tcp").build());
        Set<Integer> seen = new LinkedHashSet<>();
        List<?> listeners = spec(gateway).get("listeners") instanceof List<?> l ? l : List.of();
        for (int i = 0; i < listeners.size(); i++) {
            if (!(listeners.get(i) instanceof Map<?, ?> listener) || !(listener.get("port") instanceof Number number)) {
                continue;
            }
            int port = number.intValue();
            if (port < 1 || port > 65535 || !seen.add(port)) {
                continue;
            }
            String protocol = String.valueOf(listener.get("protocol")).toLowerCase(Locale.ROOT);
            String name = listener.get("name") instanceof String s && !s.isEmpty() ? s : protocol + "-" + i;
            ports.add(new ServicePortBuilder().withName(name).withPort(port).withProtocol("TCP").withAppProtocol(protocol).build());
        }
        return ports;
    }

    private static List<EnvVar> env(WaypointDeploymentProperties settings, String trustDomain, String clusterId) {
        List<EnvVar> env = new ArrayList<>(List.of(
                value("JAVA_TOOL_OPTIONS", settings.javaToolOptions()),
                value("AMBIT_WAYPOINT_ENABLED", "true"),
                field("AMBIT_WAYPOINT_NAMESPACE", "metadata.namespace"),
                field("AMBIT_WAYPOINT_SERVICE_ACCOUNT", "spec.serviceAccountName"),
                field("AMBIT_WAYPOINT_POD_NAME", "metadata.name"),
                field("AMBIT_WAYPOINT_POD_IP", "status.podIP"),
                value("AMBIT_WAYPOINT_TRUST_DOMAIN", trustDomain),
                // Istio's variable, which every Ambit service reads into ambit.mesh.cluster-id
                value("CLUSTER_ID", clusterId),
                value("AMBIT_WAYPOINT_CA_ADDRESS", settings.caAddress()),
                value("AMBIT_WAYPOINT_XDS_ADDRESS", settings.xdsAddress()),
                value("AMBIT_WAYPOINT_TOKEN_FILE", "/var/run/secrets/tokens/istio-token"),
                value("AMBIT_WAYPOINT_BUNDLE_FILE", "/var/run/secrets/istio/root-cert.pem")));
        if (!settings.tracingEndpoint().isEmpty()) {
            env.add(value("AMBIT_WAYPOINT_TRACING_ENABLED", "true"));
            env.add(value("AMBIT_WAYPOINT_TRACING_ENDPOINT", settings.tracingEndpoint()));
            env.add(value("AMBIT_WAYPOINT_TRACING_SAMPLING", Double.toString(settings.tracingSampling())));
        }
        return List.copyOf(env);
    }

    private static EnvVar value(String name, String value) {
        return new EnvVarBuilder().withName(name).withValue(value).build();
    }

    private static EnvVar field(String name, String path) {
        return new EnvVarBuilder().withName(name).withNewValueFrom().withNewFieldRef().withFieldPath(path).endFieldRef().endValueFrom().build();
    }

    private static ObjectMeta meta(String name, String namespace, Map<String, String> labels, Map<String, String> annotations,
            OwnerReference owner) {
        return new ObjectMetaBuilder().withName(name).withNamespace(namespace).withLabels(new LinkedHashMap<>(labels))
                .withAnnotations(new LinkedHashMap<>(annotations)).withOwnerReferences(owner).build();
    }

    /** The object with {@link #HASH}: SHA-256 of its JSON as rendered, before the annotation is added. */
    private static <T extends HasMetadata> T hashed(T object) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(Serialization.asJson(object).getBytes(StandardCharsets.UTF_8));
            object.getMetadata().getAnnotations().put(HASH, HexFormat.of().formatHex(digest, 0, 16));
            return object;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always present", e);
        }
    }

    static Map<?, ?> spec(GenericKubernetesResource gateway) {
        return gateway.getAdditionalProperties().get("spec") instanceof Map<?, ?> m ? m : Map.of();
    }
}
