package io.ambit.xds.translate;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.ambit.gatewayapi.istio.AuthorizationPolicySpec;
import io.ambit.gatewayapi.istio.IstioSpecs;
import io.ambit.proto.security.Action;
import io.ambit.proto.security.Authorization;
import io.ambit.proto.security.Rule;
import io.ambit.proto.security.Scope;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;

/**
 * AuthorizationPolicy and PeerAuthentication → {@code istio.security.Authorization} for ztunnel,
 * following istiod's ambient index ({@code pilot/pkg/serviceregistry/kube/controller/ambient/
 * authorization.go}). Each resource is named {@code namespace/name} from its own fields.
 *
 * <p>AuthorizationPolicy:
 * <ul>
 *   <li>Scope: a selector with labels → WORKLOAD_SELECTOR (the workload lists the policy in
 *       {@code authorization_policies}, see {@link #policiesSelecting}); no selector → GLOBAL in the
 *       root namespace, NAMESPACE elsewhere. A selector without labels is read as no selector (it
 *       selects every workload, as it does for sidecars; istiod would send a selector policy that no
 *       workload references).</li>
 *   <li>ALLOW and DENY are sent; CUSTOM and AUDIT are not (ztunnel has neither) and get a finding.
 *       A policy with {@code targetRef(s)} belongs to a waypoint and is not sent to ztunnel.</li>
 *   <li>{@code spec: {}} is an ALLOW with no rule: sent with zero rules, it allows nothing to the
 *       selected workloads. A DENY with no rule is sent the same way and, as in Istio, denies
 *       nothing.</li>
 *   <li>Rules, L7 attributes and refused values: {@link AuthorizationRules}. HTTP attributes as
 *       istiod: an ALLOW rule using them is dropped, a DENY is enforced without them, and a DENY
 *       left with no rule that can fire is sent but denies nothing, with istiod's warning.
 *       {@code source.serviceAccount} in {@code when} is not among istiod's L4 keys, so it is L7.</li>
 *   <li>{@code istio.io/dry-run} (Go's boolean spellings) → {@code dry_run}; an unparseable value
 *       is enforced, with a finding.</li>
 *   <li>A spec that does not bind to the strict model, or a selector that is not a valid label
 *       selector, skips the policy with a finding. Only Kubernetes-mode objects can fail to bind:
 *       the local store already refuses such YAML.</li>
 * </ul>
 * PeerAuthentication: {@link PeerAuthentications}.
 */
public final class AuthorizationTranslator {

    static final String KIND = "AuthorizationPolicy";
    static final String DRY_RUN = "istio.io/dry-run";
    // istiod's status messages for HTTP attributes, word for word (ambient/authorization.go), so
    // that what users search for is what Istio prints.
    static final String HTTP_RULE = "ztunnel does not support HTTP attributes (found: %s). "
            + "In ambient mode you must use a waypoint proxy to enforce HTTP rules. %s";
    static final String HTTP_DENY_NO_EFFECT = "After omitting unsupported HTTP attributes, this DENY policy has no enforceable "
            + "rules at ztunnel and will have no effect. Deploy a waypoint proxy and use a targetRef to enforce this policy.";
    static final String HTTP_DENY_MIXED = "DENY policy with HTTP attributes is enforced without the HTTP rules. "
            + "This will be more restrictive than requested.";
    static final String HTTP_ALLOW = "Within an ALLOW policy, rules matching HTTP attributes are omitted. "
            + "This will be more restrictive than requested.";
    private static final Set<String> TRUE = Set.of("1", "t", "T", "TRUE", "true", "True");
    private static final Set<String> FALSE = Set.of("0", "f", "F", "FALSE", "false", "False");

    private AuthorizationTranslator() {
    }

    public static Translated<Authorization> translate(MeshInputs inputs) {
        List<Authorization> resources = new ArrayList<>();
        List<Finding> findings = new ArrayList<>();
        for (GenericKubernetesResource policy : inputs.authorizationPolicies()) {
            convert(inputs, policy, findings).ifPresent(resources::add);
        }
        PeerAuthentications peerAuthentications = new PeerAuthentications(inputs);
        resources.addAll(peerAuthentications.policies());
        findings.addAll(peerAuthentications.findings);
        resources.sort(Comparator.comparing(a -> a.getNamespace() + "/" + a.getName()));
        return new Translated<>(resources, findings);
    }

    /**
     * The WORKLOAD_SELECTOR policies a workload references: selector AuthorizationPolicies of its
     * namespace and of the root namespace whose labels it has (sorted), then the converted
     * PeerAuthentication policies in effect for it, as istiod's {@code buildWorkloadPolicies}.
     */
    public static List<String> policiesSelecting(MeshInputs inputs, String namespace, Map<String, String> labels) {
        return new Selection(inputs).selecting(namespace, labels);
    }

    /**
     * The selector-scoped policies of a mesh, each spec read once, so that asking for every
     * workload's policies costs a label match per policy rather than a parse.
     */
    static final class Selection {
        private record SelectorPolicy(String namespace, String key, Map<String, String> selector) {
        }

        private final String rootNamespace;
        private final List<SelectorPolicy> policies = new ArrayList<>();
        private final PeerAuthentications peerAuthentications;

        Selection(MeshInputs inputs) {
            this.rootNamespace = inputs.rootNamespace();
            for (GenericKubernetesResource policy : inputs.authorizationPolicies()) {
                String policyNamespace = PolicyHeader.namespace(policy);
                header(inputs, policy, new ArrayList<>())
                        .filter(h -> h.scope() == Scope.WORKLOAD_SELECTOR)
                        .ifPresent(h -> policies.add(new SelectorPolicy(policyNamespace,
                                policyNamespace + "/" + policy.getMetadata().getName(), h.selector())));
            }
            this.peerAuthentications = new PeerAuthentications(inputs);
        }

        List<String> selecting(String namespace, Map<String, String> labels) {
            List<String> keys = new ArrayList<>();
            for (SelectorPolicy policy : policies) {
                if ((policy.namespace().equals(namespace) || policy.namespace().equals(rootNamespace))
                        && PolicyHeader.selects(policy.selector(), labels)) {
                    keys.add(policy.key());
                }
            }
            keys.sort(Comparator.naturalOrder());
            keys.addAll(peerAuthentications.selecting(namespace, labels));
            return keys;
        }
    }

    /** What decides whether and how a policy is sent, before its rules. */
    private record Header(AuthorizationPolicySpec spec, Scope scope, Action action, Map<String, String> selector) {
    }

    private static Optional<Header> header(MeshInputs inputs, GenericKubernetesResource policy, List<Finding> findings) {
        AuthorizationPolicySpec spec;
        try {
            spec = IstioSpecs.bind(PolicyHeader.spec(policy), AuthorizationPolicySpec.class);
        } catch (IllegalArgumentException e) {
            findings.add(finding(policy, "spec does not match security.istio.io/v1 AuthorizationPolicy (" + e.getMessage()
                    + "); not sent (only a Kubernetes-mode object can get here: the local store refuses such YAML)"));
            return Optional.empty();
        }
        if (spec.targetRef() != null || (spec.targetRefs() != null && !spec.targetRefs().isEmpty())) {
            return Optional.empty(); // a waypoint's policy, not ztunnel's
        }
        Action action;
        AuthorizationPolicySpec.Action requested = spec.action() == null ? AuthorizationPolicySpec.Action.ALLOW : spec.action();
        switch (requested) {
            case ALLOW -> action = Action.ALLOW;
            case DENY -> action = Action.DENY;
            default -> {
                findings.add(finding(policy, "ztunnel does not support the " + requested + " action; not sent"));
                return Optional.empty();
            }
        }
        Optional<String> selectorProblem = PolicyHeader.selectorProblem(spec.selector());
        if (selectorProblem.isPresent()) {
            findings.add(finding(policy, selectorProblem.get() + "; not sent"));
            return Optional.empty();
        }
        Map<String, String> selector = PolicyHeader.labels(spec.selector());
        Scope scope = !selector.isEmpty() ? Scope.WORKLOAD_SELECTOR
                : inputs.rootNamespace().equals(PolicyHeader.namespace(policy)) ? Scope.GLOBAL : Scope.NAMESPACE;
        return Optional.of(new Header(spec, scope, action, selector));
    }

    private static Optional<Authorization> convert(MeshInputs inputs, GenericKubernetesResource policy, List<Finding> findings) {
        Optional<Header> header = header(inputs, policy, findings);
        if (header.isEmpty()) {
            return Optional.empty();
        }
        Header h = header.get();
        Authorization.Builder authorization = Authorization.newBuilder()
                .setName(policy.getMetadata().getName())
                .setNamespace(PolicyHeader.namespace(policy))
                .setScope(h.scope())
                .setAction(h.action())
                .setDryRun(dryRun(policy, findings));
        AuthorizationRules rules = new AuthorizationRules(h.action(), PolicyHeader.namespace(policy));
        List<AuthorizationPolicySpec.Rule> specRules = h.spec().rules() == null ? List.of() : h.spec().rules();
        for (int i = 0; i < specRules.size(); i++) {
            Optional<Rule> rule = rules.convert(specRules.get(i), i);
            rule.ifPresent(authorization::addRules);
        }
        if (!rules.l7Found.isEmpty()) {
            boolean effective = authorization.getRulesList().stream().anyMatch(AuthorizationRules::effective);
            findings.add(finding(policy, String.format(HTTP_RULE, String.join(", ", rules.l7Found),
                    h.action() == Action.ALLOW ? HTTP_ALLOW : effective ? HTTP_DENY_MIXED : HTTP_DENY_NO_EFFECT)));
        }
        rules.problems.forEach(p -> findings.add(finding(policy, p)));
        return Optional.of(authorization.build());
    }

    private static boolean dryRun(GenericKubernetesResource policy, List<Finding> findings) {
        Map<String, String> annotations = policy.getMetadata().getAnnotations();
        String value = annotations == null ? null : annotations.get(DRY_RUN);
        if (value == null || FALSE.contains(value)) {
            return false;
        }
        if (TRUE.contains(value)) {
            return true;
        }
        findings.add(finding(policy, DRY_RUN + " \"" + value + "\" is not a boolean; the policy is enforced"));
        return false;
    }

    private static Finding finding(GenericKubernetesResource policy, String message) {
        return new Finding(KIND, PolicyHeader.namespace(policy), policy.getMetadata().getName(), message);
    }
}
