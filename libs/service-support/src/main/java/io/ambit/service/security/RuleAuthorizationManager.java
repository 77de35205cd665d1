package io.ambit.service.security;

import org.springframework.security.authorization.AuthorizationDecision;
import org.springframework.security.authorization.AuthorizationResult;
import org.springframework.security.authorization.ReactiveAuthorizationManager;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.server.authorization.AuthorizationContext;
import reactor.core.publisher.Mono;

/** One {@link AccessRule}'s decision: the caller's role meets it, or the caller is an identity it names. */
final class RuleAuthorizationManager implements ReactiveAuthorizationManager<AuthorizationContext> {

    private final AccessRule rule;

    RuleAuthorizationManager(AccessRule rule) {
        this.rule = rule;
    }

    @Override
    public Mono<AuthorizationResult> authorize(Mono<Authentication> authentication, AuthorizationContext context) {
        if (rule.access() == Access.OPEN) {
            return Mono.just(new AuthorizationDecision(true));
        }
        return authentication
                .filter(Authentication::isAuthenticated)
                .map(a -> a.getPrincipal() instanceof MeshCaller caller && admits(caller))
                .defaultIfEmpty(false)
                .map(AuthorizationDecision::new);
    }

    private boolean admits(MeshCaller caller) {
        return caller.has(rule.access()) || caller.serviceAccount().filter(rule.identities()::contains).isPresent();
    }
}
