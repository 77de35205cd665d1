package io.ambit.xds.waypoint;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What the waypoint controller puts in each waypoint's Deployment ({@code ambit.xds.waypoints.*}).
 *
 * @param image           the waypoint image (the name {@code spring-boot:build-image} gives services/waypoint)
 * @param imagePullPolicy Kubernetes' pull policy for it
 * @param caAddress       ca-service's gRPC address, as the waypoint pods resolve it
 * @param xdsAddress      xds-server's delta ADS address, as the waypoint pods resolve it
 * @param javaToolOptions the waypoint JVM's flags; by default {@code --enable-native-access=ALL-UNNAMED} and every flag
 *                        of services/waypoint/jvm.options ({@link WaypointJvmOptions})
 * @param tracingEndpoint an OTLP/HTTP traces endpoint (such as {@code http://otel-collector.observability:4318/v1/traces}):
 *                        when set, the waypoints trace (their {@code ambit.waypoint.tracing.*}); empty, they do not
 * @param tracingSampling the percentage of new traces sampled, as Istio's {@code meshConfig.defaultConfig.tracing.sampling}
 * (the waypoint's {@code CLUSTER_ID} is the xds-server's own, {@code ambit.mesh.cluster-id})
 */
@ConfigurationProperties("ambit.xds.waypoints")
public record WaypointDeploymentProperties(
        @DefaultValue(WaypointDeploymentProperties.DEFAULT_IMAGE) String image,
        @DefaultValue("IfNotPresent") String imagePullPolicy,
        @DefaultValue("ca-service.istio-system.svc:15012") String caAddress,
        @DefaultValue("xds-server.istio-system.svc:15010") String xdsAddress,
        String javaToolOptions,
        @DefaultValue("") String tracingEndpoint,
        @DefaultValue("1.0") double tracingSampling) {

    @org.springframework.boot.context.properties.bind.ConstructorBinding
    public WaypointDeploymentProperties {
        if (javaToolOptions == null || javaToolOptions.isBlank()) {
            javaToolOptions = WaypointJvmOptions.javaToolOptions();
        }
        tracingEndpoint = tracingEndpoint == null ? "" : tracingEndpoint.strip();
        if (!(tracingSampling >= 0.0 && tracingSampling <= 100.0)) {
            throw new IllegalArgumentException("ambit.xds.waypoints.tracing-sampling is a percentage from 0 to 100, not " + tracingSampling);
        }
        if (!tracingEndpoint.isEmpty() && !tracingEndpoint.startsWith("http://") && !tracingEndpoint.startsWith("https://")) {
            throw new IllegalArgumentException("ambit.xds.waypoints.tracing-endpoint must be an OTLP/HTTP URL such as "
                    + "http://otel-collector.observability:4318/v1/traces, not " + tracingEndpoint);
        }
    }

    /** Without tracing. */
    public WaypointDeploymentProperties(String image, String imagePullPolicy, String caAddress, String xdsAddress, String javaToolOptions) {
        this(image, imagePullPolicy, caAddress, xdsAddress, javaToolOptions, "", 1.0);
    }

    /** The name {@code spring-boot:build-image} gives services/waypoint (RenderedManifestsTest checks it). */
    public static final String DEFAULT_IMAGE = "ambit/waypoint:0.1.0-SNAPSHOT";
}
