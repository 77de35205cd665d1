package io.ambit.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import com.google.protobuf.TextFormat;
import io.ambit.proto.security.Authorization;
import io.ambit.proto.workload.Workload;
import io.ambit.xds.store.KubeYamlParser;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.Test;

/** AuthorizationPolicy and PeerAuthentication fixtures → the exact Authorization protos ztunnel receives. */
class AuthorizationTranslatorTest {

    private static final String NO_IDENTITY = "matches { not_principals { presence {} } }";

    // ---- scopes, actions, annotations ----

    @Test
    void scopesFollowNamespaceAndSelector() {
        Map<String, Authorization> out = byKey(AuthorizationTranslator.translate(load("policies.yaml")));
        assertThat(out.get("istio-system/mesh-deny")).isEqualTo(proto("""
                name: "mesh-deny" namespace: "istio-system" scope: GLOBAL action: DENY
                rules { clauses { matches { namespaces { exact: "untrusted" } } } }"""));
        assertThat(out.get("istio-system/root-selector")).isEqualTo(proto("""
                name: "root-selector" namespace: "istio-system" scope: WORKLOAD_SELECTOR action: ALLOW rules {}"""));
        assertThat(out.get("demo/other-app").getScope()).isEqualTo(io.ambit.proto.security.Scope.WORKLOAD_SELECTOR);
    }

    @Test
    void emptyAllowAllowsNothingAndEmptyDenyDeniesNothing() {
        Map<String, Authorization> out = byKey(AuthorizationTranslator.translate(load("policies.yaml")));
        assertThat(out.get("demo/allow-nothing")).isEqualTo(proto(
                "name: \"allow-nothing\" namespace: \"demo\" scope: NAMESPACE action: ALLOW"));
        assertThat(out.get("demo/deny-nothing")).isEqualTo(proto(
                "name: \"deny-nothing\" namespace: \"demo\" scope: NAMESPACE action: DENY"));
    }

    @Test
    void customAuditWaypointAndBadSelectorPoliciesAreNotSent() {
        Translated<Authorization> out = AuthorizationTranslator.translate(load("policies.yaml"));
        assertThat(byKey(out)).doesNotContainKeys("demo/custom", "demo/audit", "demo/for-waypoint", "demo/bad-selector");
        assertThat(messages(out, "custom")).containsExactly("ztunnel does not support the CUSTOM action; not sent");
        assertThat(messages(out, "audit")).containsExactly("ztunnel does not support the AUDIT action; not sent");
        assertThat(messages(out, "for-waypoint")).isEmpty();
        assertThat(messages(out, "bad-selector"))
                .containsExactly("selector label app=\"we b\" is not a valid Kubernetes label value; not sent");
    }

    @Test
    void dryRunAnnotationSetsDryRunAndATypoIsEnforced() {
        Translated<Authorization> out = AuthorizationTranslator.translate(load("policies.yaml"));
        assertThat(byKey(out).get("demo/trial")).isEqualTo(proto("""
                name: "trial" namespace: "demo" scope: NAMESPACE action: DENY dry_run: true
                rules { clauses { matches { destination_ports: 80 } } }"""));
        assertThat(byKey(out).get("demo/trial-typo").getDryRun()).isFalse();
        assertThat(messages(out, "trial-typo")).containsExactly("istio.io/dry-run \"yes\" is not a boolean; the policy is enforced");
    }

    @Test
    void aSpecThatDoesNotBindIsSkippedWithAFinding() {
        GenericKubernetesResource broken = new GenericKubernetesResource();
        broken.setKind("AuthorizationPolicy");
        broken.setMetadata(new ObjectMetaBuilder().withName("typo").withNamespace("demo").build());
        broken.setAdditionalProperty("spec", Map.of("action", "DENY", "rulez", List.of()));
        GenericKubernetesResource brokenPa = new GenericKubernetesResource();
        brokenPa.setKind("PeerAuthentication");
        brokenPa.setMetadata(new ObjectMetaBuilder().withName("typo").withNamespace("demo").build());
        brokenPa.setAdditionalProperty("spec", Map.of("mtls", Map.of("mode", "STRICTER")));
        MeshInputs inputs = new MeshInputs("cluster.local", "cluster.local", "Kubernetes", "istio-system", Map.of(),
                List.of(), List.of(), List.of(), List.of(broken), List.of(brokenPa), List.of(), List.of(), List.of());

        Translated<Authorization> out = AuthorizationTranslator.translate(inputs);

        // Only the static STRICT policy, sent because a PeerAuthentication exists.
        assertThat(out.resources()).extracting(Authorization::getName).containsExactly("istio_converted_static_strict");
        assertThat(out.findings()).extracting(Finding::kind, Finding::name)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("AuthorizationPolicy", "typo"),
                        org.assertj.core.groups.Tuple.tuple("PeerAuthentication", "typo"));
        assertThat(out.findings()).allSatisfy(f -> assertThat(f.message()).contains("spec does not match"));
        assertThat(AuthorizationTranslator.policiesSelecting(inputs, "demo", Map.of())).isEmpty();
    }

    // ---- L4 mapping ----

    @Test
    void everyL4FieldMapsToItsMatch() {
        Authorization web = byKey(AuthorizationTranslator.translate(load("policies.yaml"))).get("demo/web-l4");
        assertThat(web).isEqualTo(proto("""
                name: "web-l4" namespace: "demo" scope: WORKLOAD_SELECTOR action: ALLOW
                rules {
                  clauses { matches { destination_ports: [8080, 9090] not_destination_ports: 22 } }
                  clauses {
                    matches {
                      principals { exact: "cluster.local/ns/demo/sa/sleep" }
                      principals { presence {} }
                      principals { prefix: "cluster.local/ns/prod/" }
                      principals { suffix: "/sa/admin" }
                      not_principals { exact: "cluster.local/ns/demo/sa/evil" }
                      namespaces { exact: "demo" }
                      not_namespaces { prefix: "kube-" }
                    }
                    matches {
                      service_accounts { namespace: "other" serviceAccount: "client" }
                      service_accounts { namespace: "demo" serviceAccount: "local-client" }
                      not_service_accounts { namespace: "demo" serviceAccount: "bad" }
                      source_ips { address: "\\n\\001\\000\\000" length: 16 }
                      source_ips { address: "\\300\\250\\001\\007" length: 32 }
                      source_ips { address: " \\001\\r\\270\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000" length: 32 }
                      source_ips { address: "\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\001" length: 128 }
                      not_source_ips { address: "\\n\\001\\002\\000" length: 24 }
                    }
                  }
                  clauses { matches { source_ips { address: "\\n\\t\\000\\000" length: 16 } not_source_ips { address: "\\n\\t\\t\\t" length: 32 } } }
                  clauses { matches { namespaces { exact: "demo" } not_namespaces { prefix: "x" } } }
                  clauses { matches { principals { presence {} } not_principals { exact: "cluster.local/ns/x/sa/y" } } }
                  clauses { matches {
                    destination_ips { address: "\\375\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\001" length: 64 }
                    not_destination_ips { address: "\\n\\000\\000\\001" length: 32 } } }
                  clauses { matches { destination_ports: 443 not_destination_ports: 444 } }
                }"""));
    }

    // ---- HTTP attributes, as istiod's ambient index treats them ----

    @Test
    void l7InAllowDropsTheWholeRule() {
        Translated<Authorization> out = AuthorizationTranslator.translate(load("l7.yaml"));
        assertThat(byKey(out).get("demo/allow-l7")).isEqualTo(proto("""
                name: "allow-l7" namespace: "demo" scope: NAMESPACE action: ALLOW
                rules { clauses { matches { destination_ports: 8080 } } }"""));
        assertThat(messages(out, "allow-l7")).containsExactly("ztunnel does not support HTTP attributes (found: "
                + "methods, remoteIpBlocks, request.auth.claims[group], requestPrincipals). "
                + "In ambient mode you must use a waypoint proxy to enforce HTTP rules. "
                + "Within an ALLOW policy, rules matching HTTP attributes are omitted. This will be more restrictive than requested.");
    }

    @Test
    void l7InDenyKeepsOnlyTheL4PartAndAnHttpOnlyMatchMatchesNothing() {
        Translated<Authorization> out = AuthorizationTranslator.translate(load("l7.yaml"));
        // An HTTP-only match is sent empty, as istiod sends it; ztunnel skips empty matches, so a
        // clause made only of them keeps its rule from firing (rules 1-3), never matches everything.
        assertThat(byKey(out).get("demo/deny-l7")).isEqualTo(proto("""
                name: "deny-l7" namespace: "demo" scope: NAMESPACE action: DENY
                rules {
                  clauses { matches { destination_ports: 80 } }
                  clauses { matches { namespaces { exact: "demo" } } }
                }
                rules { clauses { matches {} } }
                rules {
                  clauses { matches { destination_ports: 81 } matches {} }
                  clauses { matches {} }
                  clauses { matches {} }
                  clauses { matches { destination_ports: 82 } }
                }
                rules { clauses { matches {} } }"""));
        assertThat(byKey(out).get("demo/deny-l7").getRulesList()).extracting(AuthorizationRules::effective)
                .containsExactly(true, false, false, false);
        assertThat(messages(out, "deny-l7")).containsExactly("ztunnel does not support HTTP attributes (found: "
                + "hosts, methods, notHosts, notMethods, notPaths, notRemoteIpBlocks, notRequestPrincipals, paths, "
                + "request.headers[x-user], source.serviceAccount). "
                + "In ambient mode you must use a waypoint proxy to enforce HTTP rules. "
                + "DENY policy with HTTP attributes is enforced without the HTTP rules. This will be more restrictive than requested.");
    }

    @Test
    void aDenyWithOnlyHttpConstraintsDeniesNothingAtL4WithAWarning() {
        Translated<Authorization> out = AuthorizationTranslator.translate(load("l7.yaml"));
        Authorization policy = byKey(out).get("demo/deny-http-only");
        assertThat(policy).isEqualTo(proto("""
                name: "deny-http-only" namespace: "demo" scope: NAMESPACE action: DENY
                rules { clauses { matches {} } }
                rules { clauses { matches { destination_ports: 80 } } clauses { matches {} } }
                rules { clauses { matches {} } }"""));
        assertThat(policy.getRulesList()).noneMatch(AuthorizationRules::effective);
        assertThat(messages(out, "deny-http-only")).containsExactly("ztunnel does not support HTTP attributes (found: "
                + "methods, request.headers[x-debug], requestPrincipals). "
                + "In ambient mode you must use a waypoint proxy to enforce HTTP rules. "
                + "After omitting unsupported HTTP attributes, this DENY policy has no enforceable rules at ztunnel "
                + "and will have no effect. Deploy a waypoint proxy and use a targetRef to enforce this policy.");
    }

    // ---- refused values fail closed ----

    @Test
    void invalidValuesDropTheRuleInAllow() {
        Translated<Authorization> out = AuthorizationTranslator.translate(load("invalid.yaml"));
        assertThat(byKey(out).get("demo/allow-bad")).isEqualTo(proto("""
                name: "allow-bad" namespace: "demo" scope: NAMESPACE action: ALLOW
                rules { clauses { matches { destination_ports: 443 } } }"""));
        assertThat(messages(out, "allow-bad")).containsExactly(
                "rules[0].from[0].source.ipBlocks \"10.0.0.0/33\" is not an IP address or CIDR; rules[0] is left out, so the policy allows less than written",
                "rules[1].from[0].source.ipBlocks \"10.0.0.256\" is not an IP address or CIDR; rules[1] is left out, so the policy allows less than written",
                "rules[2].from[0].source.notIpBlocks \"1.2.3\" is not an IP address or CIDR; rules[2] is left out, so the policy allows less than written",
                "rules[3].to[0].operation.ports \"70000\" is not a port (1-65535); rules[3] is left out, so the policy allows less than written",
                "rules[4].to[0].operation.notPorts \"0\" is not a port (1-65535); rules[4] is left out, so the policy allows less than written",
                "rules[5].to[0].operation.ports \"http\" is not a port (1-65535); rules[5] is left out, so the policy allows less than written",
                "rules[6].from[0].source.serviceAccounts \"a/b/c\" is not a service account (ns/sa or sa); rules[6] is left out, so the policy allows less than written",
                "rules[7].from[0].source is empty (Istio requires at least one field); rules[7] is left out, so the policy allows less than written",
                "rules[8].when[0].values \"-1\" is not a port (1-65535); rules[8] is left out, so the policy allows less than written",
                "rules[9].when[0] has neither values nor notValues; rules[9] is left out, so the policy allows less than written",
                "rules[10].from[0].source.ipBlocks \"fe80::1%eth0\" is not an IP address or CIDR; rules[10] is left out, so the policy allows less than written");
    }

    @Test
    void invalidValuesDropOnlyTheirConstraintInDeny() {
        Translated<Authorization> out = AuthorizationTranslator.translate(load("invalid.yaml"));
        assertThat(byKey(out).get("demo/deny-bad")).isEqualTo(proto("""
                name: "deny-bad" namespace: "demo" scope: NAMESPACE action: DENY
                rules { clauses { matches { namespaces { exact: "x" } } } }
                rules {}
                rules { clauses { matches { destination_ips { address: "\\n\\000\\000\\001" length: 32 } } } }"""));
        assertThat(messages(out, "deny-bad")).containsExactly(
                "rules[0].to[0].operation.ports \"99999\" is not a port (1-65535); that constraint is left out, so rules[0] denies more than written",
                "rules[0].from[0].source.ipBlocks \"not-an-ip\" is not an IP address or CIDR; that constraint is left out, so rules[0] denies more than written",
                "rules[1].from[0].source.notServiceAccounts \"/sa\" is not a service account (ns/sa or sa); that constraint is left out, so rules[1] denies more than written",
                "rules[2].when[0].notValues \"bogus\" is not an IP address or CIDR; that constraint is left out, so rules[2] denies more than written");
    }

    // ---- workload references ----

    @Test
    void policiesSelectingListsSelectorPoliciesOfTheNamespaceAndTheRoot() {
        MeshInputs inputs = load("policies.yaml");
        assertThat(AuthorizationTranslator.policiesSelecting(inputs, "demo", Map.of("app", "web", "v", "1")))
                .containsExactly("demo/web-l4", "istio-system/root-selector");
        assertThat(AuthorizationTranslator.policiesSelecting(inputs, "prod", Map.of("app", "web")))
                .containsExactly("istio-system/root-selector", "prod/other-ns");
        assertThat(AuthorizationTranslator.policiesSelecting(inputs, "demo", Map.of("app", "db")))
                .containsExactly("demo/other-app");
        assertThat(AuthorizationTranslator.policiesSelecting(inputs, "demo", Map.of())).isEmpty();
    }

    @Test
    void workloadTranslationCarriesThePolicies() {
        MeshInputs inputs = load("policies.yaml");
        Workload web = WorkloadTranslator.translate(inputs).getFirst();
        assertThat(web.getAuthorizationPoliciesList()).containsExactly("demo/web-l4", "istio-system/root-selector");
    }

    // ---- PeerAuthentication ----

    @Test
    void peerAuthenticationBecomesStaticStrictAndPortLevelDenies() {
        Translated<Authorization> out = AuthorizationTranslator.translate(load("peer-authentication.yaml"));
        assertThat(out.resources()).containsExactly(
                proto("name: \"istio_converted_static_strict\" namespace: \"istio-system\" scope: WORKLOAD_SELECTOR action: DENY"
                        + " rules { clauses { " + NO_IDENTITY + " } }"),
                proto("""
                        name: "converted_peer_authentication_d-one-strict-port" namespace: "open" scope: WORKLOAD_SELECTOR action: DENY
                        rules { clauses { matches { not_principals { presence {} } destination_ports: 5432 } } }"""),
                proto("""
                        name: "converted_peer_authentication_a-ports" namespace: "strict" scope: WORKLOAD_SELECTOR action: DENY
                        rules {
                          clauses { matches { not_principals { presence {} } } }
                          clauses { matches { not_destination_ports: 8080 } }
                          clauses { matches { not_destination_ports: 8081 } }
                        }"""),
                proto("""
                        name: "converted_peer_authentication_f-one-open-port" namespace: "strict" scope: WORKLOAD_SELECTOR action: DENY
                        rules {
                          clauses { matches { not_principals { presence {} } } }
                          clauses { matches { not_destination_ports: 7000 } }
                        }"""));
        assertThat(out.findings()).extracting(Finding::name, Finding::message).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("root-selector", "a workload selector in the root namespace is not used by ambient; ignored"),
                org.assertj.core.groups.Tuple.tuple("ns-ports", "portLevelMtls needs a workload selector; ignored, the policy-wide mode still applies"));
    }

    @Test
    void effectiveModeFollowsWorkloadOverNamespaceOverMesh() {
        MeshInputs inputs = load("peer-authentication.yaml");
        String strict = "istio-system/istio_converted_static_strict";
        // Namespace UNSET inherits the mesh's STRICT.
        assertThat(AuthorizationTranslator.policiesSelecting(inputs, "strict", Map.of("app", "z"))).containsExactly(strict);
        assertThat(AuthorizationTranslator.policiesSelecting(inputs, "elsewhere", Map.of())).containsExactly(strict);
        assertThat(AuthorizationTranslator.policiesSelecting(inputs, "istio-system", Map.of("app", "x"))).containsExactly(strict);
        // Port exceptions under STRICT: the converted policy replaces the static one.
        assertThat(AuthorizationTranslator.policiesSelecting(inputs, "strict", Map.of("app", "a")))
                .containsExactly("strict/converted_peer_authentication_a-ports");
        // An UNSET workload mode inherits STRICT, so one PERMISSIVE port needs the converted policy.
        assertThat(AuthorizationTranslator.policiesSelecting(inputs, "strict", Map.of("app", "f")))
                .containsExactly("strict/converted_peer_authentication_f-one-open-port");
        // Workload DISABLE overrides the mesh's STRICT.
        assertThat(AuthorizationTranslator.policiesSelecting(inputs, "strict", Map.of("app", "b"))).isEmpty();
        // All ports STRICT under STRICT: just the static policy.
        assertThat(AuthorizationTranslator.policiesSelecting(inputs, "strict", Map.of("app", "c"))).containsExactly(strict);
        // Namespace PERMISSIVE overrides the mesh; a workload can make it STRICT again, or one port.
        assertThat(AuthorizationTranslator.policiesSelecting(inputs, "open", Map.of("app", "other"))).isEmpty();
        assertThat(AuthorizationTranslator.policiesSelecting(inputs, "open", Map.of("app", "e"))).containsExactly(strict);
        assertThat(AuthorizationTranslator.policiesSelecting(inputs, "open", Map.of("app", "d")))
                .containsExactly("open/converted_peer_authentication_d-one-strict-port");
        // Two namespace policies: the oldest (PERMISSIVE) wins.
        assertThat(AuthorizationTranslator.policiesSelecting(inputs, "twice", Map.of())).isEmpty();
    }

    @Test
    void withoutPeerAuthenticationNoStaticStrictPolicyIsSent() {
        assertThat(AuthorizationTranslator.translate(load("l7.yaml")).resources())
                .extracting(Authorization::getName).doesNotContain("istio_converted_static_strict");
    }

    // ---- helpers ----

    private static MeshInputs load(String fixture) {
        List<HasMetadata> objects;
        try (InputStream in = AuthorizationTranslatorTest.class.getResourceAsStream("/translate/authz/" + fixture)) {
            objects = KubeYamlParser.parse(fixture, new String(in.readAllBytes())).stream().map(KubeYamlParser.Parsed::object).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<GenericKubernetesResource> generic = objects.stream().filter(GenericKubernetesResource.class::isInstance)
                .map(GenericKubernetesResource.class::cast).toList();
        return new MeshInputs("cluster.local", "cluster.local", "Kubernetes", "istio-system", Map.of(),
                objects.stream().filter(Pod.class::isInstance).map(Pod.class::cast).toList(), List.of(), List.of(),
                generic.stream().filter(r -> "AuthorizationPolicy".equals(r.getKind())).toList(),
                generic.stream().filter(r -> "PeerAuthentication".equals(r.getKind())).toList(),
                List.of(), List.of(), List.of());
    }

    private static Map<String, Authorization> byKey(Translated<Authorization> translated) {
        return translated.resources().stream().collect(Collectors.toMap(a -> a.getNamespace() + "/" + a.getName(), Function.identity()));
    }

    private static List<String> messages(Translated<Authorization> translated, String name) {
        return translated.findings().stream().filter(f -> f.name().equals(name)).map(Finding::message).toList();
    }

    private static Authorization proto(String text) {
        try {
            return TextFormat.parse(text, Authorization.class);
        } catch (TextFormat.ParseException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
