package io.ambit.gatewayapi.istio.crd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.ambit.gatewayapi.istio.DestinationRuleSpec;
import io.ambit.gatewayapi.istio.IstioSpecs;
import io.ambit.gatewayapi.istio.VirtualServiceSpec;
import org.junit.jupiter.api.Test;

/**
 * The generated VirtualService and DestinationRule CRDs accept what the strict models accept (the
 * translation fixtures) and refuse what they refuse: an unknown field at any depth, a wrong type, an
 * unknown enum value. The schema is checked here as the API server checks a structural schema with
 * {@code kubectl apply}'s strict field validation (its default since Kubernetes 1.27): types,
 * enums, known properties, maps through {@code additionalProperties}.
 */
class CrdSchemaTest {

    static final Path FIXTURES = Path.of("../services/xds-server/src/test/resources/translate/l7.yaml");
    static final ObjectMapper YAML = new YAMLMapper();

    static JsonNode specSchema(String crd) throws IOException {
        JsonNode doc = YAML.readTree(Files.readString(CrdsTest.GENERATED.resolve(crd)));
        return doc.path("spec").path("versions").path(0).path("schema").path("openAPIV3Schema").path("properties").path("spec");
    }

    /** Each problem as {@code path: what}; empty when the value fits the schema. */
    static List<String> violations(JsonNode schema, JsonNode value, String path) {
        List<String> problems = new ArrayList<>();
        check(schema, value, path, problems);
        return problems;
    }

    private static void check(JsonNode schema, JsonNode value, String path, List<String> problems) {
        if (value == null || value.isNull()) {
            return;
        }
        String type = schema.path("type").asText("");
        switch (type) {
            case "object" -> {
                if (!value.isObject()) {
                    problems.add(path + ": expected an object");
                    return;
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = it.next();
                    JsonNode property = schema.path("properties").get(field.getKey());
                    if (property != null) {
                        check(property, field.getValue(), path + "." + field.getKey(), problems);
                    } else if (schema.has("additionalProperties")) {
                        check(schema.get("additionalProperties"), field.getValue(), path + "." + field.getKey(), problems);
                    } else if (!schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
                        problems.add(path + "." + field.getKey() + ": unknown field");
                    }
                }
            }
            case "array" -> {
                if (!value.isArray()) {
                    problems.add(path + ": expected an array");
                    return;
                }
                for (int i = 0; i < value.size(); i++) {
                    check(schema.path("items"), value.get(i), path + "[" + i + "]", problems);
                }
            }
            case "string" -> {
                if (!value.isTextual()) {
                    problems.add(path + ": expected a string");
                } else if (schema.has("enum") && !contains(schema.get("enum"), value.asText())) {
                    problems.add(path + ": unsupported value " + value.asText());
                }
            }
            case "integer" -> {
                if (!value.isIntegralNumber()) {
                    problems.add(path + ": expected an integer");
                }
            }
            case "number" -> {
                if (!value.isNumber()) {
                    problems.add(path + ": expected a number");
                }
            }
            case "boolean" -> {
                if (!value.isBoolean()) {
                    problems.add(path + ": expected a boolean");
                }
            }
            default -> problems.add(path + ": the schema has no type (" + type + ")");
        }
    }

    private static boolean contains(JsonNode values, String value) {
        for (JsonNode v : values) {
            if (v.asText().equals(value)) {
                return true;
            }
        }
        return false;
    }

    static List<JsonNode> fixtures(String kind) throws IOException {
        List<JsonNode> found = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(Files.readString(FIXTURES))) {
            for (JsonNode doc : YAML.readValues(parser, JsonNode.class).readAll()) {
                if (kind.equals(doc.path("kind").asText())) {
                    found.add(doc.path("spec"));
                }
            }
        }
        return found;
    }

    @Test
    void theTranslationFixturesFitTheSchemaAndTheModel() throws IOException {
        JsonNode vs = specSchema("virtualservices.networking.istio.io-v1.yml");
        JsonNode dr = specSchema("destinationrules.networking.istio.io-v1.yml");
        List<JsonNode> virtualServices = fixtures("VirtualService");
        List<JsonNode> destinationRules = fixtures("DestinationRule");
        assertThat(virtualServices).hasSizeGreaterThanOrEqualTo(3);
        assertThat(destinationRules).hasSizeGreaterThanOrEqualTo(2);
        for (JsonNode spec : virtualServices) {
            assertThat(violations(vs, spec, "spec")).as(spec.toString()).isEmpty();
            IstioSpecs.bind(spec, VirtualServiceSpec.class);
        }
        for (JsonNode spec : destinationRules) {
            assertThat(violations(dr, spec, "spec")).as(spec.toString()).isEmpty();
            IstioSpecs.bind(spec, DestinationRuleSpec.class);
        }
    }

    @Test
    void whatTheStrictModelRefusesTheSchemaRefusesToo() throws IOException {
        JsonNode vs = specSchema("virtualservices.networking.istio.io-v1.yml");
        JsonNode dr = specSchema("destinationrules.networking.istio.io-v1.yml");
        Map<String, String> badVirtualServices = Map.of(
                "{hosts: [r], http: [{retries: {attempts: 3}, route: [{destination: {host: r}}]}]}", "spec.http[0].retries: unknown field",
                "{hosts: [r], tcp: [{route: []}]}", "spec.tcp: unknown field",
                "{hosts: 5}", "spec.hosts: expected an array",
                "{hosts: [r], http: [{match: [{headers: {user: {exact: a, glob: b}}}]}]}", "spec.http[0].match[0].headers.user.glob: unknown field",
                "{hosts: [r], http: [{fault: {abort: {httpStatus: five}}}]}", "spec.http[0].fault.abort.httpStatus: expected an integer");
        badVirtualServices.forEach((yaml, problem) -> {
            JsonNode spec = read(yaml);
            assertThat(violations(vs, spec, "spec")).as(yaml).containsExactly(problem);
            assertThatThrownBy(() -> IstioSpecs.bind(spec, VirtualServiceSpec.class)).as(yaml).isInstanceOf(IllegalArgumentException.class);
        });
        Map<String, String> badDestinationRules = Map.of(
                "{host: r, subsets: [{name: v1}]}", "spec.subsets: unknown field",
                "{host: r, trafficPolicy: {loadBalancer: {simple: FASTEST}}}", "spec.trafficPolicy.loadBalancer.simple: unsupported value FASTEST",
                "{host: r, trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}}", "spec.trafficPolicy.tls: unknown field",
                "{host: [r]}", "spec.host: expected a string");
        badDestinationRules.forEach((yaml, problem) -> {
            JsonNode spec = read(yaml);
            assertThat(violations(dr, spec, "spec")).as(yaml).containsExactly(problem);
            assertThatThrownBy(() -> IstioSpecs.bind(spec, DestinationRuleSpec.class)).as(yaml).isInstanceOf(IllegalArgumentException.class);
        });
    }

    private static JsonNode read(String yaml) {
        try {
            return YAML.readTree(yaml);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
