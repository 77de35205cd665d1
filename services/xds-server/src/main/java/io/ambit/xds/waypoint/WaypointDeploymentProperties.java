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
 * (the waypoint's {@code CLUSTER_ID} is the xds-server's own, {@code ambit.mesh.cluster-id})
 */
@ConfigurationProperties("ambit.xds.waypoints")
public record WaypointDeploymentProperties(
        @DefaultValue(WaypointDeploymentProperties.DEFAULT_IMAGE) String image,
        @DefaultValue("IfNotPresent") String imagePullPolicy,
        @DefaultValue("ca-service.istio-system.svc:15012") String caAddress,
        @DefaultValue("xds-server.istio-system.svc:15010") String xdsAddress,
        String javaToolOptions) {

    public WaypointDeploymentProperties {
        if (javaToolOptions == null || javaToolOptions.isBlank()) {
            javaToolOptions = WaypointJvmOptions.javaToolOptions();
        }
    }

    /** The name {@code spring-boot:build-image} gives services/waypoint (RenderedManifestsTest checks it). */
    public static final String DEFAULT_IMAGE = "ambit/waypoint:0.1.0-SNAPSHOT";
}
