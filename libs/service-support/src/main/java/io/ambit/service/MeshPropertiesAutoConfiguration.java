package io.ambit.service;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/** Binds {@link MeshProperties} in every service: a bad {@code ambit.mesh.*} value stops start-up with its reason. */
@AutoConfiguration
@EnableConfigurationProperties(MeshProperties.class)
public class MeshPropertiesAutoConfiguration {
}
