package io.ambit.admin;

import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.ambit.admin.mesh.MeshReader;
import io.ambit.admin.metrics.Scraper;
import io.ambit.admin.upstream.AdminProperties;
import io.ambit.admin.upstream.Upstream;
import io.ambit.service.security.Access;
import io.ambit.service.security.AccessRule;
import io.ambit.service.security.MeshSecurityProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.web.server.WebFilter;

/**
 * admin-ui's wiring: its upstream client, the mesh reader, the metrics scraper on a timer, the
 * dashboard's static files open (they hold no data: the page asks for a token and calls the API
 * with it), and a strict Content-Security-Policy on every answer.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(AdminProperties.class)
class AdminConfiguration {

    private static final Logger log = LoggerFactory.getLogger(AdminConfiguration.class);

    /** Scripts only from admin-ui itself: a name in the mesh rendered by mistake as markup cannot run. */
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    @Bean
    Clock adminClock() {
        return Clock.systemUTC();
    }

    @Bean
    Upstream adminUpstream(AdminProperties properties, MeshSecurityProperties security) {
        return new Upstream(properties.timeout(), Upstream.viewerToken(security));
    }

    @Bean
    MeshReader meshReader(AdminProperties properties, io.ambit.service.discovery.ControlPlaneDiscovery discovery, Upstream upstream,
            Clock clock) {
        return new MeshReader(properties, new io.ambit.admin.upstream.XdsServerLocator(properties.xdsUrl(), discovery), upstream, clock);
    }

    @Bean(destroyMethod = "shutdownNow")
    ScheduledExecutorService scrapeTimer(Scraper scraper, AdminProperties properties) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("metrics-scrape").factory());
        long every = properties.refresh().toMillis();
        timer.scheduleWithFixedDelay(() -> {
            try {
                scraper.scrape();
            } catch (RuntimeException e) {
                log.warn("metrics scrape failed: {}", e.toString());
            }
        }, 0, every, TimeUnit.MILLISECONDS);
        return timer;
    }

    @Bean
    Scraper scraper(AdminProperties properties, Upstream upstream, Clock clock, MeshReader reader) {
        return new Scraper(properties, upstream, clock, reader::current);
    }

    /** The page and its scripts are open (no data in them); everything under /api needs the shared rules. */
    @Bean
    AccessRule.Table adminUiAccessTable() {
        return AccessRule.Table.of(
                AccessRule.of(HttpMethod.GET, "/", Access.OPEN),
                AccessRule.of(HttpMethod.GET, "/index.html", Access.OPEN),
                AccessRule.of(HttpMethod.GET, "/ui/**", Access.OPEN));
    }

    @Bean
    WebFilter contentSecurityPolicy() {
        return (exchange, chain) -> {
            exchange.getResponse().beforeCommit(() -> {
                exchange.getResponse().getHeaders().set("Content-Security-Policy", CSP);
                exchange.getResponse().getHeaders().set("Referrer-Policy", "no-referrer");
                return reactor.core.publisher.Mono.empty();
            });
            return chain.filter(exchange);
        };
    }
}
