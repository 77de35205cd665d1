package io.ambit.xds.api;

import java.nio.file.Files;
import java.nio.file.Path;

import io.ambit.xds.store.DirectoryWatcher;
import io.ambit.xds.store.LocalConfigStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;

/**
 * Local mode: the store is loaded from {@code ambit.xds.local.config-dir} before the server
 * reports ready; a directory that does not load stops start-up with every problem named. Later
 * changes to the directory are picked up by a {@link DirectoryWatcher}.
 */
@Configuration(proxyBeanMethods = false)
@Profile("!kubernetes")
public class LocalStoreConfiguration {

    private static final Logger log = LoggerFactory.getLogger(LocalStoreConfiguration.class);

    @Bean
    LocalConfigStore localConfigStore(@Value("${ambit.xds.local.config-dir:config/local}") Path directory) {
        LocalConfigStore store = new LocalConfigStore();
        if (Files.isDirectory(directory)) {
            var snapshot = store.loadDirectory(directory);
            log.info("local store loaded {} objects from {}", snapshot.objects().size(), directory.toAbsolutePath());
        } else {
            log.warn("local config directory {} does not exist; starting with an empty store", directory.toAbsolutePath());
        }
        return store;
    }

    /**
     * Bearer-only ADS in local mode, as Istio's ztunnel connects (TLS, no client certificate): the
     * nodes' bootstrap tokens ({@code ambit.xds.local.node-token-files.<node>}, the files the CA reads).
     * None configured: client certificates only.
     */
    @Bean
    @org.springframework.context.annotation.Conditional(NodeTokenFilesConfigured.class)
    io.ambit.xds.ads.BearerAuthenticator localNodeTokenAuthenticator(org.springframework.core.env.Environment environment,
            io.ambit.xds.XdsProperties xds) {
        return new io.ambit.xds.identity.LocalNodeTokenAuthenticator(nodeTokenFiles(environment), xds.trustDomain(), xds.meshNamespace());
    }

    private static java.util.Map<String, Path> nodeTokenFiles(org.springframework.core.env.Environment environment) {
        return org.springframework.boot.context.properties.bind.Binder.get(environment)
                .bind("ambit.xds.local.node-token-files", org.springframework.boot.context.properties.bind.Bindable.mapOf(String.class, Path.class))
                .orElse(java.util.Map.of());
    }

    /** Some {@code ambit.xds.local.node-token-files.<node>} is set. */
    static final class NodeTokenFilesConfigured implements org.springframework.context.annotation.Condition {
        @Override
        public boolean matches(org.springframework.context.annotation.ConditionContext context,
                org.springframework.core.type.AnnotatedTypeMetadata metadata) {
            return !nodeTokenFiles(context.getEnvironment()).isEmpty();
        }
    }

    @Bean(destroyMethod = "close")
    DirectoryWatcher configDirectoryWatcher(LocalConfigStore store,
            @Value("${ambit.xds.local.config-dir:config/local}") Path directory,
            @Value("${ambit.xds.local.poll-interval-ms:1000}") long intervalMillis) {
        return new DirectoryWatcher(store, directory).start(intervalMillis);
    }
}
