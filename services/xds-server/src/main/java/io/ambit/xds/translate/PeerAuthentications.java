package io.ambit.xds.translate;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

import com.google.protobuf.Empty;
import io.ambit.gatewayapi.istio.IstioSpecs;
import io.ambit.gatewayapi.istio.PeerAuthenticationSpec;
import io.ambit.gatewayapi.istio.PeerAuthenticationSpec.Mode;
import io.ambit.gatewayapi.istio.PeerAuthenticationSpec.Mtls;
import io.ambit.proto.security.Action;
import io.ambit.proto.security.Authorization;
import io.ambit.proto.security.Clause;
import io.ambit.proto.security.Match;
import io.ambit.proto.security.Rule;
import io.ambit.proto.security.Scope;
import io.ambit.proto.security.StringMatch;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;

/**
 * PeerAuthentication → L4 DENY policies, as istiod's ambient index converts them
 * ({@code pilot/pkg/serviceregistry/kube/controller/ambient/authorization.go}, {@code policies.go}).
 *
 * <ul>
 *   <li>STRICT becomes "deny a connection without a peer identity" ({@code not_principals: presence}).
 *       One static policy {@code <root>/istio_converted_static_strict} (WORKLOAD_SELECTOR, DENY) is
 *       sent whenever any PeerAuthentication exists; a workload whose effective mode is STRICT
 *       references it in {@code authorization_policies}.</li>
 *   <li>Effective mode: mesh (root namespace, no selector) → namespace (no selector; UNSET inherits)
 *       → workload (selector, outside the root namespace; STRICT, PERMISSIVE and DISABLE override).
 *       Among policies of one level the oldest wins.</li>
 *   <li>A workload policy with {@code portLevelMtls} that makes some port differ from the rest
 *       becomes {@code <ns>/converted_peer_authentication_<name>}, which the workload references
 *       instead of the static policy: per STRICT port a rule "no identity and this port", and for
 *       PERMISSIVE/DISABLE ports under a STRICT default one rule "no identity and none of these
 *       ports".</li>
 * </ul>
 *
 * Where Ambit differs from istiod, on purpose: (1) a STRICT port under a PERMISSIVE/DISABLE workload
 * policy always gets its rule (istiod skips it when the mesh policy is STRICT, through an operator
 * precedence slip, leaving the port open); (2) a namespace policy left UNSET inherits the mesh mode
 * when deciding port exceptions too (istiod treats it as not STRICT there, which drops the whole
 * converted policy while the workload still references it); (3) under an UNSET workload mode with a
 * STRICT default, a DISABLE port counts as an exception like PERMISSIVE (istiod converts it but
 * does not reference it); (4) the STRICT clause is not repeated when the workload mode is already
 * STRICT. Each keeps the converted policy and the reference to it consistent.
 */
final class PeerAuthentications {

    static final String KIND = "PeerAuthentication";
    static final String STATIC_STRICT = "istio_converted_static_strict";
    static final String CONVERTED_PREFIX = "converted_peer_authentication_";

    private record Bound(GenericKubernetesResource object, PeerAuthenticationSpec spec) {
        String namespace() {
            return PolicyHeader.namespace(object);
        }

        boolean hasSelector() {
            return !PolicyHeader.labels(spec.selector()).isEmpty();
        }

        Mode mode() {
            return PeerAuthentications.mode(spec.mtls());
        }

        String convertedKey() {
            return namespace() + "/" + CONVERTED_PREFIX + object.getMetadata().getName();
        }
    }

    private final String rootNamespace;
    private final List<Bound> valid = new ArrayList<>();
    private final boolean any;
    final List<Finding> findings = new ArrayList<>();

    PeerAuthentications(MeshInputs inputs) {
        this.rootNamespace = inputs.rootNamespace();
        this.any = !inputs.peerAuthentications().isEmpty();
        for (GenericKubernetesResource object : inputs.peerAuthentications().stream().sorted(PolicyHeader.OLDEST_FIRST).toList()) {
            PeerAuthenticationSpec spec;
            try {
                spec = IstioSpecs.bind(PolicyHeader.spec(object), PeerAuthenticationSpec.class);
            } catch (IllegalArgumentException e) {
                finding(object, "spec does not match security.istio.io/v1 PeerAuthentication (" + e.getMessage()
                        + "); ignored (only a Kubernetes-mode object can get here: the local store refuses such YAML)");
                continue;
            }
            Optional<String> selectorProblem = PolicyHeader.selectorProblem(spec.selector());
            if (selectorProblem.isPresent()) {
                finding(object, selectorProblem.get() + "; ignored");
                continue;
            }
            Bound bound = new Bound(object, spec);
            boolean portLevel = spec.portLevelMtls() != null && !spec.portLevelMtls().isEmpty();
            if (portLevel && !bound.hasSelector()) {
                finding(object, "portLevelMtls needs a workload selector; ignored, the policy-wide mode still applies");
            }
            if (bound.hasSelector() && rootNamespace.equals(bound.namespace())) {
                finding(object, "a workload selector in the root namespace is not used by ambient; ignored");
                continue;
            }
            if (portLevel) {
                spec.portLevelMtls().keySet().stream().filter(p -> p == null || p < 1 || p > 65535).forEach(p ->
                        finding(object, "portLevelMtls port " + p + " is not a port (1-65535); ignored"));
            }
            valid.add(bound);
        }
    }

    /** Every converted policy to send to ztunnel. */
    List<Authorization> policies() {
        List<Authorization> policies = new ArrayList<>();
        if (any) {
            policies.add(Authorization.newBuilder()
                    .setName(STATIC_STRICT).setNamespace(rootNamespace)
                    .setScope(Scope.WORKLOAD_SELECTOR).setAction(Action.DENY)
                    .addRules(Rule.newBuilder().addClauses(clause(noIdentity())))
                    .build());
        }
        for (Bound workload : valid) {
            if (workload.hasSelector() && !ports(workload).isEmpty()) {
                portLevel(workload).ifPresent(policies::add);
            }
        }
        return policies;
    }

    /** The converted policies a workload with these labels in this namespace references. */
    List<String> selecting(String namespace, Map<String, String> labels) {
        boolean strict = parentStrict(namespace);
        Optional<Bound> workload = valid.stream()
                .filter(b -> b.hasSelector() && b.namespace().equals(namespace)
                        && PolicyHeader.selects(PolicyHeader.labels(b.spec().selector()), labels))
                .findFirst();
        String portLevelKey = null;
        if (workload.isPresent()) {
            Bound w = workload.get();
            Mode mode = w.mode();
            if (mode == Mode.STRICT) {
                strict = true;
            } else if (mode == Mode.PERMISSIVE || mode == Mode.DISABLE) {
                strict = false;
            }
            Map<Integer, Mode> ports = ports(w);
            boolean anyStrictPort = ports.containsValue(Mode.STRICT);
            boolean anyOpenPort = ports.containsValue(Mode.PERMISSIVE) || ports.containsValue(Mode.DISABLE);
            if (!ports.isEmpty()) {
                if (mode == Mode.STRICT || (mode == Mode.UNSET && strict)) {
                    if (anyOpenPort) {
                        portLevelKey = w.convertedKey();
                        strict = false; // the converted policy carries the STRICT default itself
                    }
                } else {
                    strict = false;
                    if (anyStrictPort) {
                        portLevelKey = w.convertedKey();
                    }
                }
            }
        }
        TreeSet<String> keys = new TreeSet<>();
        if (strict) {
            keys.add(rootNamespace + "/" + STATIC_STRICT);
        }
        if (portLevelKey != null) {
            keys.add(portLevelKey);
        }
        return List.copyOf(keys);
    }

    private Optional<Authorization> portLevel(Bound workload) {
        Mode mode = workload.mode();
        boolean parentStrict = parentStrict(workload.namespace());
        boolean defaultStrict = mode == Mode.STRICT || (mode == Mode.UNSET && parentStrict);
        List<Rule> rules = new ArrayList<>();
        List<Clause> exceptions = new ArrayList<>();
        for (Map.Entry<Integer, Mode> port : ports(workload).entrySet()) {
            switch (port.getValue()) {
                case STRICT -> {
                    if (!defaultStrict) {
                        rules.add(Rule.newBuilder().addClauses(clause(noIdentity().toBuilder()
                                .addDestinationPorts(port.getKey()).build())).build());
                    }
                }
                case PERMISSIVE, DISABLE -> {
                    if (defaultStrict) {
                        exceptions.add(clause(Match.newBuilder().addNotDestinationPorts(port.getKey()).build()));
                    }
                }
                default -> {
                    // UNSET on a port: the workload's default applies, nothing to add.
                }
            }
        }
        if (!exceptions.isEmpty()) {
            Rule.Builder strictExceptPorts = Rule.newBuilder().addClauses(clause(noIdentity()));
            exceptions.forEach(strictExceptPorts::addClauses);
            rules.add(strictExceptPorts.build());
        }
        if (rules.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(Authorization.newBuilder()
                .setName(CONVERTED_PREFIX + workload.object().getMetadata().getName())
                .setNamespace(workload.namespace())
                .setScope(Scope.WORKLOAD_SELECTOR).setAction(Action.DENY)
                .addAllRules(rules)
                .build());
    }

    /** The mode a workload inherits before its own policy: namespace (unless UNSET), else mesh. */
    private boolean parentStrict(String namespace) {
        Optional<Bound> mesh = valid.stream().filter(b -> !b.hasSelector() && b.namespace().equals(rootNamespace)).findFirst();
        Optional<Bound> ns = namespace.equals(rootNamespace) ? Optional.empty()
                : valid.stream().filter(b -> !b.hasSelector() && b.namespace().equals(namespace)).findFirst();
        if (ns.isPresent() && ns.get().mode() != Mode.UNSET) {
            return ns.get().mode() == Mode.STRICT;
        }
        return mesh.isPresent() && mesh.get().mode() == Mode.STRICT;
    }

    /** Valid ports only, in port order (istiod iterates them sorted too). */
    private static Map<Integer, Mode> ports(Bound b) {
        Map<Integer, Mode> ports = new TreeMap<>();
        if (b.spec().portLevelMtls() != null) {
            b.spec().portLevelMtls().forEach((port, mtls) -> {
                if (port != null && port >= 1 && port <= 65535) {
                    ports.put(port, mode(mtls));
                }
            });
        }
        return ports;
    }

    private static Mode mode(Mtls mtls) {
        return mtls == null || mtls.mode() == null ? Mode.UNSET : mtls.mode();
    }

    static Match noIdentity() {
        return Match.newBuilder().addNotPrincipals(StringMatch.newBuilder().setPresence(Empty.getDefaultInstance())).build();
    }

    private static Clause clause(Match match) {
        return Clause.newBuilder().addMatches(match).build();
    }

    private void finding(GenericKubernetesResource object, String message) {
        findings.add(new Finding(KIND, PolicyHeader.namespace(object), object.getMetadata().getName(), message));
    }
}
