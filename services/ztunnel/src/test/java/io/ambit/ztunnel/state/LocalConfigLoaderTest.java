package io.ambit.ztunnel.state;

import io.ambit.authz.Cidr;
import io.ambit.authz.AuthorizationPolicy;
import static io.ambit.ztunnel.state.Fixtures.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import io.ambit.proto.workload.TunnelProtocol;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A local config file applied through the same validation as xDS, all or nothing. */
class LocalConfigLoaderTest {

    static final String VALID = """
            workloads:
            - uid: Kubernetes//Pod/demo/sleep-1
              name: sleep-1
              namespace: demo
              node: node-a
              addresses: ["10.244.1.10", "fd00::10"]
              tunnelProtocol: HBONE
              serviceAccount: sleep
              services:
                demo/echo.demo.svc.cluster.local:
                  ports: [{servicePort: 80, targetPort: 8080}]
              authorizationPolicies: [demo/allow-sleep]
            - uid: Kubernetes//Pod/demo/echo-1
              name: echo-1
              namespace: demo
              node: node-b
              addresses: ["10.244.2.20"]
              waypoint:
                address: {address: "10.96.0.99"}
                hboneMtlsPort: 15008
            services:
            - name: echo
              namespace: demo
              hostname: echo.demo.svc.cluster.local
              addresses: [{network: "", address: "10.96.0.10"}]
              ports: [{servicePort: 80, targetPort: 8080}]
            policies:
            - name: allow-sleep
              namespace: demo
              scope: WORKLOAD_SELECTOR
              action: ALLOW
              rules:
              - clauses:
                - matches:
                  - sourceIps: [{address: "10.244.0.0", length: 16}]
                    destinationPorts: [8080]
            """;

    @TempDir
    Path dir;
    Path file;
    StateStore store;
    LocalConfigLoader loader;

    @BeforeEach
    void setUp() {
        file = dir.resolve("ztunnel-config.yaml");
        store = new StateStore();
        loader = new LocalConfigLoader(file, store);
    }

    @Test
    void aValidFileBecomesTheState() throws Exception {
        write(VALID);

        StateSnapshot state = loader.load();

        Workload sleep = state.workload("Kubernetes//Pod/demo/sleep-1").orElseThrow();
        assertThat(sleep.addresses()).containsExactly(ip("10.244.1.10"), ip("fd00::10"));
        assertThat(sleep.tunnelProtocol()).isEqualTo(TunnelProtocol.HBONE);
        assertThat(state.workloadAt(ip("10.244.2.20")).orElseThrow().name()).isEqualTo("echo-1");
        assertThat(state.workload("Kubernetes//Pod/demo/echo-1").orElseThrow().waypoint().orElseThrow().getHboneMtlsPort())
                .isEqualTo(15008);
        assertThat(state.hboneWorkloadsOnNode("node-a")).containsExactly(sleep);
        assertThat(state.serviceAt(ip("10.96.0.10"), 80).orElseThrow().key()).isEqualTo("demo/echo.demo.svc.cluster.local");
        assertThat(state.endpoints("demo/echo.demo.svc.cluster.local")).extracting(e -> e.workload().name()).containsExactly("sleep-1");
        assertThat(state.policiesFor(sleep)).extracting(AuthorizationPolicy::key).containsExactly("demo/allow-sleep");
        assertThat(state.policy("demo/allow-sleep").orElseThrow().rules().getFirst().clauses().getFirst().matches().getFirst()
                .sourceIps()).containsExactly(Cidr.of(ip("10.244.0.0").getAddress(), 16));
    }

    @Test
    void reloadingTheSameFileChangesNothing() throws Exception {
        write(VALID);
        StateSnapshot first = loader.load();

        assertThat(loader.load()).isSameAs(first);
    }

    @Test
    void entriesNoLongerInTheFileAreRemoved() throws Exception {
        write(VALID);
        loader.load();

        write("""
                workloads:
                - uid: Kubernetes//Pod/demo/echo-1
                  namespace: demo
                  addresses: ["10.244.2.20"]
                """);
        StateSnapshot state = loader.load();

        assertThat(state.workloads()).extracting(Workload::uid).containsExactly("Kubernetes//Pod/demo/echo-1");
        assertThat(state.workload("Kubernetes//Pod/demo/echo-1").orElseThrow().waypoint()).isEmpty();
        assertThat(state.services()).isEmpty();
        assertThat(state.policies()).isEmpty();
    }

    @Test
    void anEmptyStateIsWrittenExplicitly() throws Exception {
        write(VALID);
        loader.load();

        write("workloads: []\nservices:\npolicies: []\n");

        assertThat(loader.load().workloads()).isEmpty();
    }

    @Test
    void anUnknownFieldIsRefusedWithItsEntry() throws Exception {
        assertRefused("""
                workloads:
                - uid: a
                  addresses: ["10.0.0.1"]
                - uid: b
                  serviceAcount: sleep
                """, "workloads[1] (line 4)", "serviceAcount");
    }

    @Test
    void anUnknownNestedFieldIsRefused() throws Exception {
        assertRefused("""
                services:
                - name: echo
                  namespace: demo
                  hostname: echo.demo.svc.cluster.local
                  ports: [{servicePort: 80, targetprot: 8080}]
                """, "services[0] (line 2)", "targetprot");
    }

    @Test
    void anUnknownTopLevelKeyIsRefused() throws Exception {
        assertRefused("workloads: []\nauthorizations: []\n", "line 2", "unknown top-level key \"authorizations\"");
    }

    @Test
    void aBadIpIsRefusedWithItsPath() throws Exception {
        assertRefused("""
                workloads:
                - uid: a
                  addresses: ["10.0.0.256"]
                """, "workloads[0] (line 2): addresses[0]", "\"10.0.0.256\" is not an IP address literal");
    }

    @Test
    void aHostNameIsNeverLookedUp() throws Exception {
        assertRefused("""
                services:
                - name: echo
                  namespace: demo
                  hostname: echo.demo.svc.cluster.local
                  addresses: [{address: "localhost"}]
                """, "services[0] (line 2): addresses[0].address", "host names are not looked up");
    }

    @Test
    void ambiguousOrDecoratedAddressesAreRefused() throws Exception {
        for (String address : new String[] {"010.0.0.1", "10.1", "fe80::1%eth0", "[::1]", " 10.0.0.1", ""}) {
            assertRefused("workloads:\n- uid: a\n  addresses: [\"" + address + "\"]\n", "addresses[0]", "not");
        }
        assertRefused("workloads:\n- uid: a\n  addresses: [167772161]\n", "addresses[0]", "written as a string");
    }

    @Test
    void anAddressInAPolicyIsALiteralToo() throws Exception {
        assertRefused("""
                policies:
                - name: p
                  namespace: demo
                  rules: [{clauses: [{matches: [{notDestinationIps: [{address: "db.internal", length: 32}]}]}]}]
                """, "policies[0] (line 2): rules[0].clauses[0].matches[0].notDestinationIps[0].address", "not an IP address literal");
    }

    @Test
    void anInvalidResourceIsRefusedByTheXdsValidation() throws Exception {
        assertRefused("""
                workloads:
                - uid: a
                  addresses: ["10.0.0.1"]
                - name: no-uid
                  addresses: ["10.0.0.2"]
                """, "workloads[1] (line 4): workload has no uid");
        assertRefused("""
                services:
                - name: echo
                  namespace: demo
                  hostname: echo.demo.svc.cluster.local
                  ports: [{servicePort: 70000}]
                """, "services[0] (line 2): ports[0].service_port: port 70000 is not in 1-65535");
        assertRefused("policies:\n- name: p\n", "policies[0] (line 2): authorization has no namespace");
    }

    @Test
    void everyRefusedEntryIsNamed() throws Exception {
        // What does not parse is all reported at once; what parses is then validated, all at once.
        LocalConfigException unreadable = refused("""
                workloads:
                - {name: one}
                - {uid: b, addresses: ["nope"]}
                policies:
                - {name: p, namespace: demo, action: MAYBE}
                """);
        assertThat(unreadable.problems()).hasSize(2);
        assertThat(unreadable.problems().get(0)).startsWith("workloads[1] (line 3)").contains("\"nope\"");
        assertThat(unreadable.problems().get(1)).startsWith("policies[0] (line 5)").contains("MAYBE");

        LocalConfigException invalid = refused("""
                workloads:
                - {name: one}
                - {uid: b, addresses: ["10.0.0.1"]}
                policies:
                - {name: p}
                """);
        assertThat(invalid.problems()).containsExactly(
                "workloads[0] (line 2): workload has no uid",
                "policies[0] (line 5): authorization has no namespace");
        assertThat(invalid.getMessage()).startsWith("local config " + file + " refused (2 problems):");
    }

    @Test
    void twoEntriesWithOneNameAreRefused() throws Exception {
        assertRefused("""
                workloads:
                - {uid: a, addresses: ["10.0.0.1"]}
                - {uid: a, addresses: ["10.0.0.2"]}
                """, "workloads[1] (line 3): has the same name \"a\" as workloads[0] (line 2)");
    }

    @Test
    void malformedYamlIsRefused() throws Exception {
        assertRefused("workloads:\n- uid: a\n  addresses: [\"10.0.0.1\"\n", "not valid YAML");
        assertRefused("workloads:\n- uid: a\n  uid: b\n", "workloads[0] (line 2): uid: appears twice (line 3)");
        assertRefused("workloads: {uid: a}\n", "line 1: workloads must be a list");
        assertRefused("workloads:\n- just a string\n", "workloads[0] (line 2): must be a mapping");
        assertRefused("- uid: a\n", "the top level must be a mapping");
        assertRefused("workloads: []\n---\nservices: []\n", "not valid YAML");
    }

    @Test
    void aliasesOfListsAndMapsAreRefused() throws Exception {
        assertRefused("""
                workloads:
                - &w {uid: a, addresses: ["10.0.0.1"]}
                - *w
                """, "not valid YAML");
    }

    @Test
    void onlyTrueAndFalseAreBooleans() throws Exception {
        write("workloads:\n- {uid: a, namespace: no, nativeTunnel: true}\n");
        Workload a = loader.load().workload("a").orElseThrow();
        assertThat(a.namespace()).isEqualTo("no");
        assertThat(a.proto().getNativeTunnel()).isTrue();

        assertRefused("workloads:\n- {uid: a, nativeTunnel: yes}\n", "workloads[0] (line 2)", "yes");
    }

    @Test
    void anEmptyFileIsRefused() throws Exception {
        assertRefused("", "the file is empty");
        assertRefused("# nothing here\n", "the file is empty");
    }

    @Test
    void anOversizedFileIsRefusedUnread() throws Exception {
        write(VALID);
        StateSnapshot good = loader.load();
        byte[] big = new byte[LocalConfig.MAX_BYTES + 1];
        java.util.Arrays.fill(big, (byte) '#');
        Files.write(file, big);

        assertThatThrownBy(loader::load).isInstanceOf(LocalConfigException.class).hasMessageContaining("larger than the 16777216 bytes");
        assertThat(store.snapshot()).isSameAs(good);
        assertThatThrownBy(() -> LocalConfig.parse("big", big)).hasMessageContaining("more than the 16777216");
    }

    @Test
    void aFileThatIsNotTextOrNotThereIsRefused() throws Exception {
        assertThatThrownBy(loader::load).isInstanceOf(LocalConfigException.class).hasMessageContaining("does not exist");
        Files.write(file, new byte[] {'a', ':', ' ', (byte) 0xC3, (byte) 0x28});
        assertThatThrownBy(loader::load).isInstanceOf(LocalConfigException.class).hasMessageContaining("not UTF-8");
    }

    @Test
    void whatConfigDumpPrintsReadsBack() throws Exception {
        write(VALID);
        StateSnapshot state = loader.load();
        Workload sleep = state.workload("Kubernetes//Pod/demo/sleep-1").orElseThrow();
        AuthorizationPolicy policy = state.policy("demo/allow-sleep").orElseThrow();

        var printed = ProtoJson.print(sleep.proto());
        assertThat(printed.get("addresses").toString()).isEqualTo("[\"10.244.1.10\",\"fd00:0:0:0:0:0:0:10\"]");
        assertThat(ProtoJson.parse(printed, io.ambit.proto.workload.Workload.newBuilder(), "w").build()).isEqualTo(sleep.proto());
        var printedPolicy = ProtoJson.print(policy.proto());
        assertThat(ProtoJson.parse(printedPolicy, io.ambit.proto.security.Authorization.newBuilder(), "p").build())
                .isEqualTo(policy.proto());
    }

    /** Fuzz-style: a mangled file is loaded or refused with LocalConfigException, nothing else. */
    @Test
    void mangledFilesAreLoadedOrRefusedNeverCrash() throws Exception {
        java.util.Random random = new java.util.Random(42);
        String alphabet = "{}[]:,-\"'&*!|>#% \n\t0123456789.abcxyz:/";
        for (int round = 0; round < 200; round++) {
            StringBuilder yaml = new StringBuilder(VALID);
            for (int edits = 1 + random.nextInt(4); edits > 0; edits--) {
                int at = random.nextInt(yaml.length());
                switch (random.nextInt(3)) {
                    case 0 -> yaml.deleteCharAt(at);
                    case 1 -> yaml.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
                    default -> yaml.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
                }
            }
            try {
                new LocalConfigLoader(file, new StateStore()).apply(LocalConfig.parse("fuzz", yaml.toString().getBytes(StandardCharsets.UTF_8)));
            } catch (LocalConfigException expected) {
                assertThat(expected.problems()).isNotEmpty();
            }
        }
    }

    private void assertRefused(String yaml, String... fragments) throws Exception {
        LocalConfigException e = refused(yaml);
        assertThat(e.getMessage()).contains(fragments);
    }

    /** Loads a good file, then this one: it must be refused and leave the state as it was. */
    private LocalConfigException refused(String yaml) throws Exception {
        write(VALID);
        StateSnapshot good = loader.load();
        write(yaml);
        try {
            loader.load();
        } catch (LocalConfigException e) {
            assertThat(store.snapshot()).isSameAs(good);
            return e;
        }
        throw new AssertionError("accepted: " + yaml);
    }

    private void write(String yaml) throws IOException {
        Files.writeString(file, yaml, StandardCharsets.UTF_8);
    }
}
