package io.ambit.netns;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The rule text each backend is given, checked without root (the root tests check what it does). */
class RuleTextTest {

    @Test
    void iptablesChainsFollowTheDesign() {
        String v4 = new IptablesRules(RedirectConfig.defaults()).chains(IptablesRules.Family.IPV4);
        assertThat(v4.lines()).containsExactly(
                "*nat",
                ":ISTIO_PRERT - [0:0]",
                ":ISTIO_OUTPUT - [0:0]",
                "-F ISTIO_PRERT",
                "-F ISTIO_OUTPUT",
                "-A ISTIO_PRERT -s 169.254.7.127/32 -p tcp -j ACCEPT",
                "-A ISTIO_PRERT ! -d 127.0.0.0/8 -p tcp ! --dport 15008 -m mark ! --mark 0x539 -j REDIRECT --to-ports 15006",
                "-A ISTIO_OUTPUT -d 169.254.7.127/32 -p tcp -j ACCEPT",
                "-A ISTIO_OUTPUT -o lo -j ACCEPT",
                "-A ISTIO_OUTPUT ! -d 127.0.0.0/8 -p tcp -m mark ! --mark 0x539 -j REDIRECT --to-ports 15001",
                "COMMIT");
        String v6 = new IptablesRules(RedirectConfig.defaults()).chains(IptablesRules.Family.IPV6);
        assertThat(v6).contains("-s fd16:9254:7127:1337:ffff:ffff:ffff:ffff/128").contains("! -d ::1/128");
    }

    @Test
    void nftablesTableRedirectsBothWays() {
        String table = new NftablesRules(RedirectConfig.defaults()).table();
        assertThat(table)
                .contains("table inet ambit {")
                .contains("type nat hook prerouting priority dstnat; policy accept;")
                .contains("ip saddr 169.254.7.127 meta l4proto tcp accept")
                .contains("meta mark 0x539 accept")
                .contains("tcp dport 15008 accept")
                .contains("redirect to :15006")
                .contains("oifname \"lo\" accept")
                .contains("redirect to :15001");
    }

    @Test
    void detectNamesWhatTheNodeHasOrSaysWhatIsMissing() {
        try {
            assertThat(RedirectRules.detect(RedirectConfig.defaults()).name()).isIn("nftables", "iptables");
        } catch (NoRedirectBackendException e) {
            assertThat(e).hasMessageContaining("install nftables or iptables");
        }
    }
}
