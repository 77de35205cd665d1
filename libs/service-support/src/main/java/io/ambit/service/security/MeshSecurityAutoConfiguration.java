package io.ambit.service.security;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.security.autoconfigure.ReactiveUserDetailsServiceAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.reactive.ReactiveWebSecurityAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpMethod;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.web.server.SecurityWebFiltersOrder;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.authentication.AuthenticationWebFilter;
import org.springframework.security.web.server.authentication.ServerAuthenticationEntryPointFailureHandler;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import org.springframework.security.web.server.savedrequest.NoOpServerRequestCache;
import org.springframework.security.web.server.util.matcher.NegatedServerWebExchangeMatcher;
import org.springframework.security.web.server.util.matcher.OrServerWebExchangeMatcher;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatcher;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatchers;
import reactor.core.publisher.Mono;

/**
 * Spring Security on every Ambit service's HTTP side (DESIGN §4, "HTTP surfaces"), defined once
 * here: callers present {@code Authorization: Bearer <token>}; the admin token grants role
 * {@code admin} (reads and writes), the viewer token role {@code viewer} (reads); a service token,
 * or on a service that serves HTTPS with client certificates (an SSL bundle from the mesh CA) a
 * control-plane SPIFFE certificate, proves one control-plane identity that an endpoint's rule may
 * admit. The rules, first match wins:
 * <ol>
 *   <li>probes are open: {@code /actuator/health}, {@code /actuator/health/liveness|readiness},
 *       {@code /healthz/ready}, {@code /livez}, {@code /readyz};</li>
 *   <li>the service's own {@link AccessRule.Table} beans, in order;</li>
 *   <li>{@code /actuator/prometheus} and Istio's {@code /metrics}, {@code /stats/prometheus}: open by default, as Istio's metrics ports are
 *       ({@code ambit.security.open-metrics=false}: viewer);</li>
 *   <li>everything else: GET and HEAD need {@code viewer}, any other method {@code admin}.</li>
 * </ol>
 * No credential, a malformed header or an unknown token answer 401 with {@code WWW-Authenticate:
 * Bearer}; a known caller without the role answers 403. Both are RFC 9457 problem details. No
 * session, no cookie, so no CSRF token is needed (a browser cannot send the bearer header across
 * sites on its own).
 */
@AutoConfiguration(before = {ReactiveWebSecurityAutoConfiguration.class, ReactiveUserDetailsServiceAutoConfiguration.class})
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@EnableWebFluxSecurity
@EnableConfigurationProperties(MeshSecurityProperties.class)
public class MeshSecurityAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(MeshSecurityAutoConfiguration.class);

    /** Paths a kubelet or {@code ./mesh status} probes without a credential. */
    public static final List<String> PROBES = List.of("/actuator/health", "/actuator/health/liveness",
            "/actuator/health/readiness", "/healthz/ready", "/livez", "/readyz");
    public static final String METRICS = "/actuator/prometheus";
    /** Istio's scrape paths on the management port ({@link io.ambit.service.metrics.IstioScrapeConfiguration}). */
    public static final List<String> ISTIO_METRICS = io.ambit.service.metrics.IstioScrapeConfiguration.PATHS;

    @Bean
    BearerTokens meshBearerTokens(MeshSecurityProperties properties) {
        BearerTokens tokens = BearerTokens.load(properties);
        log.info("HTTP API: {} bearer credential(s) known; probes open, metrics {}", tokens.size(),
                properties.openMetrics() ? "open" : "for viewers");
        return tokens;
    }

    /** Also keeps Boot from generating a user and password: the only credentials are the tokens. */
    @Bean
    ReactiveAuthenticationManager meshAuthenticationManager(BearerTokens tokens) {
        return new BearerAuthenticationManager(tokens);
    }

    @Bean
    SecurityWebFilterChain meshSecurityWebFilterChain(ServerHttpSecurity http, MeshSecurityProperties properties,
            ReactiveAuthenticationManager authentication, ObjectProvider<AccessRule.Table> tables) {
        List<AccessRule> rules = rules(properties, tables.orderedStream().flatMap(t -> t.rules().stream()).toList());
        ServerWebExchangeMatcher open = matcherOf(rules.stream().filter(r -> r.access() == Access.OPEN).toList());

        AuthenticationWebFilter bearer = new AuthenticationWebFilter(authentication);
        // A bearer header wins; without one, a verified client certificate (mutual TLS) may prove a service identity.
        BearerTokenConverter header = new BearerTokenConverter();
        SpiffeCertificateConverter certificate = new SpiffeCertificateConverter(properties.trustDomain(), properties.meshNamespace());
        bearer.setServerAuthenticationConverter(exchange -> header.convert(exchange).switchIfEmpty(Mono.defer(() -> certificate.convert(exchange))));
        bearer.setAuthenticationFailureHandler(new ServerAuthenticationEntryPointFailureHandler(ProblemResponses.UNAUTHORIZED));
        // An open path never looks at the header: a probe with a stale token still gets its answer.
        bearer.setRequiresAuthenticationMatcher(new NegatedServerWebExchangeMatcher(open));

        return http
                .csrf(ServerHttpSecurity.CsrfSpec::disable)
                .httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
                .formLogin(ServerHttpSecurity.FormLoginSpec::disable)
                .logout(ServerHttpSecurity.LogoutSpec::disable)
                .anonymous(ServerHttpSecurity.AnonymousSpec::disable)
                .requestCache(cache -> cache.requestCache(NoOpServerRequestCache.getInstance()))
                .securityContextRepository(NoOpServerSecurityContextRepository.getInstance())
                .addFilterAt(bearer, SecurityWebFiltersOrder.AUTHENTICATION)
                .exceptionHandling(errors -> errors.authenticationEntryPoint(ProblemResponses.UNAUTHORIZED)
                        .accessDeniedHandler(ProblemResponses.FORBIDDEN))
                .authorizeExchange(exchanges -> {
                    for (AccessRule rule : rules) {
                        exchanges.matchers(matcherOf(List.of(rule))).access(new RuleAuthorizationManager(rule));
                    }
                    exchanges.anyExchange().denyAll();
                })
                .build();
    }

    /** The whole table in the order it is checked: probes, the service's rules, metrics, defaults. */
    static List<AccessRule> rules(MeshSecurityProperties properties, List<AccessRule> serviceRules) {
        List<AccessRule> rules = new ArrayList<>();
        PROBES.forEach(path -> rules.add(AccessRule.any(path, Access.OPEN)));
        rules.addAll(serviceRules);
        Access metrics = properties.openMetrics() ? Access.OPEN : Access.VIEWER;
        rules.add(AccessRule.any(METRICS, metrics));
        ISTIO_METRICS.forEach(path -> rules.add(AccessRule.any(path, metrics)));
        rules.add(new AccessRule(Set.of(HttpMethod.GET, HttpMethod.HEAD), "/**", Access.VIEWER, Set.of()));
        rules.add(AccessRule.any("/**", Access.ADMIN));
        return rules;
    }

    private static ServerWebExchangeMatcher matcherOf(List<AccessRule> rules) {
        List<ServerWebExchangeMatcher> matchers = new ArrayList<>();
        for (AccessRule rule : rules) {
            if (rule.methods().isEmpty()) {
                matchers.add(ServerWebExchangeMatchers.pathMatchers(rule.pattern()));
            } else {
                rule.methods().forEach(method -> matchers.add(ServerWebExchangeMatchers.pathMatchers(method, rule.pattern())));
            }
        }
        return matchers.isEmpty() ? exchange -> ServerWebExchangeMatcher.MatchResult.notMatch()
                : new OrServerWebExchangeMatcher(matchers);
    }
}
