package io.ambit.xds.api;

import java.net.InetSocketAddress;
import java.time.Clock;

import io.ambit.xds.XdsProperties;
import io.ambit.xds.ads.AdsServer;
import io.ambit.xds.ads.AdsService;
import io.ambit.xds.identity.CaIssuedIdentity;
import io.ambit.xds.identity.ServingIdentity;
import io.ambit.xds.state.XdsState;
import io.ambit.xds.store.ConfigStore;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Translation and serving, the same in both modes: they only see the {@link ConfigStore}. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(XdsProperties.class)
public class XdsConfiguration {

    @Bean(destroyMethod = "close")
    XdsState xdsState(ConfigStore store, XdsProperties properties) {
        return new XdsState(store, properties.trustDomain(), properties.debounce());
    }

    @Bean
    AdsService adsService(XdsState state) {
        return new AdsService(state);
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    ServingIdentity servingIdentity(XdsProperties properties) {
        return new CaIssuedIdentity(properties, Clock.systemUTC());
    }

    @Bean
    AdsServer adsServer(XdsProperties properties, ServingIdentity identity, AdsService service) {
        return new AdsServer(new InetSocketAddress(properties.grpc().address(), properties.grpc().port()), identity, service,
                properties.trustDomain(), (int) properties.grpc().maxMessageSize().toBytes());
    }
}
