package io.ambit.service.metrics;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.context.annotation.Bean;

/** {@link AppTagFilter} on every service's meter registries. */
@AutoConfiguration
public class MeshMetricsAutoConfiguration {

    @Bean
    AppTagFilter meshAppTagFilter(@Value("${spring.application.name:application}") String application) {
        return new AppTagFilter(application);
    }
}
