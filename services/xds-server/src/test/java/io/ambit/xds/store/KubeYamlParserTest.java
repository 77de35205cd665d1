package io.ambit.xds.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import io.ambit.xds.store.ConfigException.Problem;
import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.Test;

class KubeYamlParserTest {

    @Test
    void emptyDocumentsAreSkippedAsKubectlDoes() {
        var parsed = KubeYamlParser.parse("t.yaml", "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n---\n");
        assertThat(parsed).extracting(p -> p.key().name()).containsExactly("a");
    }

    @Test
    void readsSeveralDocumentsWithTheirKeysAndLines() {
        List<KubeYamlParser.Parsed> parsed = KubeYamlParser.parse("demo.yaml", """
                apiVersion: v1
                kind: Namespace
                metadata:
                  name: demo
                ---
                apiVersion: v1
                kind: Pod
                metadata:
                  name: sleep
                  namespace: demo
                spec:
                  containers: [{name: sleep, image: curl, ports: [{containerPort: 80}]}]
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata:
                  name: deny-all
                spec: {}
                """);
        assertThat(parsed).extracting(KubeYamlParser.Parsed::key).containsExactly(
                new ResourceKey("Namespace", "", "demo"),
                new ResourceKey("Pod", "demo", "sleep"),
                new ResourceKey("AuthorizationPolicy", "default", "deny-all"));
        assertThat(parsed).extracting(KubeYamlParser.Parsed::line).containsExactly(1, 6, 14);
        assertThat(((Pod) parsed.get(1).object()).getSpec().getContainers().getFirst().getPorts().getFirst().getContainerPort())
                .isEqualTo(80);
    }

    @Test
    void refusesAnUnknownKindNamingFileAndLine() {
        assertProblem("""
                apiVersion: v1
                kind: Namespace
                metadata: {name: ok}
                ---
                apiVersion: v1
                kind: Poddy
                metadata: {name: x}
                """, 6, "kind", "unknown kind Poddy (apiVersion v1)");
    }

    @Test
    void refusesAnUnknownFieldDeepInsideAModel() {
        assertProblem("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: sleep
                spec:
                  containers:
                    - name: sleep
                      imag: curl
                """, 8, "spec.containers[0].imag", "unknown field");
    }

    @Test
    void refusesAnUnknownTopLevelFieldOfAnIstioKind() {
        assertProblem("""
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: p, namespace: demo}
                spek: {}
                """, 4, "spek", "unknown field");
    }

    @Test
    void virtualServicesAndDestinationRulesAreCheckedFieldByField() {
        assertThat(KubeYamlParser.parse("t.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: faults, namespace: demo}
                spec:
                  hosts: [reviews]
                  http:
                    - fault: {abort: {httpStatus: 503, percentage: {value: 10}}}
                      route: [{destination: {host: reviews}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews, namespace: demo}
                spec:
                  host: reviews
                  trafficPolicy: {loadBalancer: {simple: LEAST_REQUEST}, outlierDetection: {consecutive5xxErrors: 3}}
                """)).hasSize(2);
        // a field Ambit does not apply is refused by name, not silently dropped
        assertProblem("""
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: retries, namespace: demo}
                spec:
                  hosts: [reviews]
                  http:
                    - retries: {attempts: 3}
                      route: [{destination: {host: reviews}}]
                """, 7, "spec.http[0].retries", "unknown field");
        assertProblem("""
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: bad-lb, namespace: demo}
                spec:
                  host: reviews
                  trafficPolicy: {loadBalancer: {simple: FASTEST}}
                """, 6, "spec.trafficPolicy.loadBalancer.simple", "wrong type or value");
    }

    @Test
    void istioSecuritySpecsAreCheckedFieldByField() {
        List<KubeYamlParser.Parsed> ok = KubeYamlParser.parse("p.yaml", """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: allow-sleep, namespace: demo}
                spec:
                  selector: {matchLabels: {app: echo}}
                  action: ALLOW
                  rules:
                    - from: [{source: {principals: ["cluster.local/ns/demo/sa/sleep"], notNamespaces: [kube-system]}}]
                      to: [{operation: {ports: ["8080"]}}]
                      when: [{key: source.ip, values: ["10.0.0.0/8"]}]
                ---
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: strict, namespace: demo}
                spec:
                  mtls: {mode: STRICT}
                  portLevelMtls: {8080: {mode: PERMISSIVE}}
                """);
        assertThat(ok).hasSize(2);

        assertProblem("""
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: typo, namespace: demo}
                spec:
                  action: DENY
                  rules:
                    - from:
                        - source:
                            principalz: ["cluster.local/ns/demo/sa/evil"]
                """, 9, "spec.rules[0].from[0].source.principalz", "unknown field");
        assertProblem("""
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: bad-action, namespace: demo}
                spec:
                  action: DENYALL
                """, 5, "spec.action", "wrong type or value");
        assertProblem("""
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: bad-mode, namespace: demo}
                spec:
                  mtls:
                    mode: STRICTEST
                """, 6, "spec.mtls.mode", "wrong type or value");
    }

    @Test
    void refusesAWrongType() {
        ConfigException e = refused("""
                apiVersion: v1
                kind: Pod
                metadata: {name: sleep}
                spec:
                  containers:
                    - name: sleep
                      ports:
                        - containerPort: eighty
                """);
        Problem problem = e.problems().getFirst();
        assertThat(problem.line()).isEqualTo(8);
        assertThat(problem.field()).isEqualTo("spec.containers[0].ports[0].containerPort");
        assertThat(problem.message()).contains("wrong type");
    }

    @Test
    void refusesBrokenYamlAndDuplicateKeys() {
        assertProblem("apiVersion: v1\nkind: Pod\nmetadata: {name: [unclosed\n", 4, "", "not valid YAML");
        assertProblem("apiVersion: v1\nkind: Namespace\nkind: Namespace\nmetadata: {name: x}\n", 3, "kind", "duplicate key");
    }

    @Test
    void refusesHostileYaml() {
        String laughs = "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
                + "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n";
        assertThat(refused(laughs).getMessage()).contains("not valid YAML");
        assertThat(refused("a: " + "[".repeat(200) + "]".repeat(200) + "\n").getMessage()).contains("not valid YAML");
        assertThat(refused("- just\n- a list\n").getMessage()).contains("must be a Kubernetes object");
        assertThat(refused("kind: Pod\nmetadata: {name: x}\n").getMessage()).contains("apiVersion: missing");
    }

    @Test
    void refusesMissingNamesAndNamespacedClusterObjects() {
        assertThat(refused("apiVersion: v1\nkind: Pod\nmetadata: {}\nspec: {containers: []}\n").getMessage())
                .contains("metadata.name: missing");
        assertProblem("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n  namespace: y\n", 5, "metadata.namespace",
                "cluster-scoped");
    }

    @Test
    void reportsEveryProblemOfAFile() {
        ConfigException e = refused("""
                apiVersion: v1
                kind: Nope
                metadata: {name: a}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: b}
                spec: {containerz: []}
                """);
        assertThat(e.problems()).hasSize(2);
        assertThat(e.getMessage()).contains("f.yaml:2: kind: unknown kind Nope").contains("f.yaml:8: spec.containerz: unknown field");
    }

    private static ConfigException refused(String yaml) {
        try {
            KubeYamlParser.parse("f.yaml", yaml);
        } catch (ConfigException e) {
            return e;
        }
        throw new AssertionError("expected the YAML to be refused");
    }

    // ---- Gateway API kinds ----

    @Test
    void readsEveryGatewayApiKindWithItsFields() throws Exception {
        String yaml;
        try (var in = KubeYamlParserTest.class.getResourceAsStream("/store/gateway-api.yaml")) {
            yaml = new String(in.readAllBytes());
        }
        var parsed = KubeYamlParser.parse("gateway-api.yaml", yaml);
        assertThat(parsed).extracting(KubeYamlParser.Parsed::key).containsExactly(
                new ResourceKey("Gateway", "demo", "waypoint"), new ResourceKey("HTTPRoute", "demo", "reviews"),
                new ResourceKey("GRPCRoute", "demo", "backend"), new ResourceKey("ReferenceGrant", "other", "from-demo"));
        var spec = io.ambit.gatewayapi.istio.IstioSpecs.bind(
                ((io.fabric8.kubernetes.api.model.GenericKubernetesResource) parsed.get(1).object()).getAdditionalProperties().get("spec"),
                io.ambit.gatewayapi.v1.HTTPRouteSpec.class);
        assertThat(spec.rules().get(0).backendRefs()).extracting(b -> b.weightOrDefault()).containsExactly(90, 10);
        assertThat(spec.rules().get(0).matches().get(0).headers().get(0).type())
                .isEqualTo(io.ambit.gatewayapi.v1.HTTPRouteSpec.MatchType.Exact); // the CRD's default
        assertThat(spec.rules().get(1).matches()).singleElement()
                .satisfies(m -> assertThat(m.path().value()).isEqualTo("/")); // no match = PathPrefix /
    }

    @Test
    void refusesAnUnknownFieldInAnHttpRouteWithItsLine() {
        assertProblem("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: r, namespace: demo}
                spec:
                  parentRefs: [{kind: Service, group: "", name: reviews}]
                  rules:
                  - backendRefs:
                    - name: reviews
                      port: 9080
                      wieght: 10
                """, 10, "spec.rules[0].backendRefs[0].wieght", "unknown field");
    }

    @Test
    void refusesAnUnsupportedValueAndAFilterWithoutItsField() {
        assertProblem("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: r, namespace: demo}
                spec:
                  rules:
                  - matches:
                    - path: {type: Glob, value: /a}
                """, 7, "spec.rules[0].matches[0].path.type", "Glob");
        assertProblem("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: r, namespace: demo}
                spec:
                  rules:
                  - filters:
                    - type: RequestRedirect
                      requestHeaderModifier: {set: [{name: a, value: b}]}
                """, 7, "spec.rules[0].filters[0]", "requestRedirect must be set when type is RequestRedirect");
        assertProblem("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: r, namespace: demo}
                spec:
                  rules:
                  - timeouts: {request: 1 minute}
                """, 6, "spec.rules[0].timeouts", "is not a Gateway API duration");
    }

    @Test
    void refusesAGrpcRouteMethodMatchWithNeitherServiceNorMethodAndABadReferenceGrant() {
        assertProblem("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: GRPCRoute
                metadata: {name: g, namespace: demo}
                spec:
                  rules:
                  - matches: [{method: {type: Exact}}]
                """, 6, "spec.rules[0].matches[0].method", "one or both of service or method must be specified");
        assertProblem("""
                apiVersion: gateway.networking.k8s.io/v1beta1
                kind: ReferenceGrant
                metadata: {name: g, namespace: demo}
                spec:
                  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: demo, name: x}]
                  to: [{group: "", kind: Service}]
                """, 5, "spec.from[0].name", "unknown field");
    }

    @Test
    void refusesAGatewayListenerWithAPortOutOfRange() {
        assertProblem("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: w, namespace: demo}
                spec:
                  gatewayClassName: istio-waypoint
                  listeners:
                  - {name: mesh, port: 150080, protocol: HBONE}
                """, 7, "spec.listeners[0]", "port must be between 1 and 65535");
    }

    private static void assertProblem(String yaml, int line, String field, String message) {
        assertThatThrownBy(() -> KubeYamlParser.parse("f.yaml", yaml))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    Problem problem = e.problems().getFirst();
                    assertThat(problem.source()).isEqualTo("f.yaml");
                    assertThat(problem.line()).isEqualTo(line);
                    assertThat(problem.field()).isEqualTo(field);
                    assertThat(problem.message()).contains(message);
                });
    }
}
