package io.ambit.netns;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The redirect rules with iptables and ip6tables, in the nat table, in chains named as Istio's
 * in-pod rules are ({@code ISTIO_PRERT}, {@code ISTIO_OUTPUT}), each reached by one jump from
 * the built-in chain.
 *
 * <p>Install writes both chains' contents in one {@code iptables-restore --noflush} commit
 * (declaring a chain there creates it or empties it) and adds a jump only if {@code -C} finds
 * none: running it twice gives the same rules. Remove deletes the jumps and the chains; on the
 * nf_tables backend iptables also created the {@code nat} table on first use, and an empty one
 * is dropped too, so {@code nft list ruleset} reads as before. (The legacy backend cannot drop
 * a table; an empty legacy nat table changes no packet.)
 */
public final class IptablesRules implements RedirectRules {

    static final String PREROUTING_CHAIN = "ISTIO_PRERT";
    static final String OUTPUT_CHAIN = "ISTIO_OUTPUT";
    private static final Set<String> BUILT_IN_NAT = Set.of("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING");
    private static final Logger log = LoggerFactory.getLogger(IptablesRules.class);

    /** One IP family: its commands, its loopback and its nft family for the table cleanup. */
    enum Family {
        IPV4("iptables", "127.0.0.0/8", "/32", "ip"),
        IPV6("ip6tables", "::1/128", "/128", "ip6");

        final String command;
        final String loopback;
        final String hostPrefix;
        final String nftFamily;

        Family(String command, String loopback, String hostPrefix, String nftFamily) {
            this.command = command;
            this.loopback = loopback;
            this.hostPrefix = hostPrefix;
            this.nftFamily = nftFamily;
        }

        boolean ipv6() {
            return this == IPV6;
        }
    }

    private final RedirectConfig config;

    public IptablesRules(RedirectConfig config) {
        this.config = config;
    }

    static boolean available() {
        return Commands.find("iptables").isPresent() && Commands.find("iptables-restore").isPresent();
    }

    @Override
    public String name() {
        return "iptables";
    }

    @Override
    public void install(NetNamespace pod) throws NetnsException {
        for (Family family : families()) {
            String restore = binary(family.command + "-restore");
            String iptables = binary(family.command);
            String rules = chains(family);
            pod.run(() -> {
                Commands.run(List.of(restore, "-w", "--noflush"), rules);
                ensureJump(iptables, "PREROUTING", PREROUTING_CHAIN);
                ensureJump(iptables, "OUTPUT", OUTPUT_CHAIN);
                return null;
            });
        }
        log.info("iptables redirect rules installed in {}", pod);
    }

    @Override
    public void remove(NetNamespace pod) throws NetnsException {
        for (Family family : families()) {
            String iptables = binary(family.command);
            Optional<String> save = Commands.find(family.command + "-save").map(Object::toString);
            Optional<String> nft = Commands.find("nft").map(Object::toString);
            pod.run(() -> {
                removeJumps(iptables, "PREROUTING", PREROUTING_CHAIN);
                removeJumps(iptables, "OUTPUT", OUTPUT_CHAIN);
                for (String chain : List.of(PREROUTING_CHAIN, OUTPUT_CHAIN)) {
                    if (nat(iptables, "-S", chain).ok()) {
                        Commands.run(natArgs(iptables, "-F", chain), null);
                        Commands.run(natArgs(iptables, "-X", chain), null);
                    }
                }
                if (save.isPresent() && nft.isPresent() && nfTablesBackend(iptables)) {
                    dropEmptyNatTable(save.get(), nft.get(), family);
                }
                return null;
            });
        }
        log.info("iptables redirect rules removed from {}", pod);
    }

    /** IPv6 too when ip6tables is installed; a node without it has no IPv6 pods to capture. */
    private static List<Family> families() {
        List<Family> families = new ArrayList<>(List.of(Family.IPV4));
        if (Commands.find("ip6tables").isPresent() && Commands.find("ip6tables-restore").isPresent()) {
            families.add(Family.IPV6);
        }
        return families;
    }

    /** The {@code iptables-restore} input for one family: both chains, declared (so emptied) and filled. */
    String chains(Family family) {
        String mark = config.markHex();
        List<String> lines = new ArrayList<>();
        lines.add("*nat");
        lines.add(":" + PREROUTING_CHAIN + " - [0:0]");
        lines.add(":" + OUTPUT_CHAIN + " - [0:0]");
        // Explicit, in case a backend keeps an existing chain's rules on declaration.
        lines.add("-F " + PREROUTING_CHAIN);
        lines.add("-F " + OUTPUT_CHAIN);
        for (InetAddress probe : config.probeSources(family.ipv6())) {
            lines.add("-A " + PREROUTING_CHAIN + " -s " + probe.getHostAddress() + family.hostPrefix + " -p tcp -j ACCEPT");
        }
        lines.add("-A " + PREROUTING_CHAIN + " ! -d " + family.loopback + " -p tcp ! --dport " + config.hbonePort()
                + " -m mark ! --mark " + mark + " -j REDIRECT --to-ports " + config.inboundPort());
        for (InetAddress probe : config.probeSources(family.ipv6())) {
            lines.add("-A " + OUTPUT_CHAIN + " -d " + probe.getHostAddress() + family.hostPrefix + " -p tcp -j ACCEPT");
        }
        // Anything routed over lo stays in the pod: loopback, and the pod talking to its own IP.
        lines.add("-A " + OUTPUT_CHAIN + " -o lo -j ACCEPT");
        lines.add("-A " + OUTPUT_CHAIN + " ! -d " + family.loopback + " -p tcp -m mark ! --mark " + mark
                + " -j REDIRECT --to-ports " + config.outboundPort());
        lines.add("COMMIT");
        return String.join("\n", lines) + "\n";
    }

    private static void ensureJump(String iptables, String builtIn, String chain) throws CommandException {
        if (!nat(iptables, "-C", builtIn, "-j", chain).ok()) {
            Commands.run(natArgs(iptables, "-I", builtIn, "1", "-j", chain), null);
        }
    }

    private static void removeJumps(String iptables, String builtIn, String chain) throws CommandException {
        // -D removes one match per call; more than one only if someone added a jump by hand.
        while (nat(iptables, "-C", builtIn, "-j", chain).ok()) {
            Commands.run(natArgs(iptables, "-D", builtIn, "-j", chain), null);
        }
    }

    private static boolean nfTablesBackend(String iptables) throws CommandException {
        return Commands.run(List.of(iptables, "--version"), null).contains("nf_tables");
    }

    /** Drops the nat table if it holds only empty built-in chains with policy ACCEPT. */
    private static void dropEmptyNatTable(String save, String nft, Family family) throws CommandException {
        if (!Commands.attempt(List.of(nft, "list", "table", family.nftFamily, "nat"), null).ok()) {
            return; // iptables-save prints an empty nat table even where there is none
        }
        Commands.Result dump = Commands.attempt(List.of(save, "-t", "nat"), null);
        if (!dump.ok() || !dump.stdout().contains("*nat")) {
            return;
        }
        for (String line : dump.stdout().lines().toList()) {
            if (line.startsWith("-")) {
                return;
            }
            if (line.startsWith(":")) {
                String[] parts = line.substring(1).split(" ");
                if (!BUILT_IN_NAT.contains(parts[0]) || parts.length < 2 || !parts[1].equals("ACCEPT")) {
                    return;
                }
            }
        }
        Commands.run(List.of(nft, "delete", "table", family.nftFamily, "nat"), null);
    }

    private static Commands.Result nat(String iptables, String... args) throws CommandException {
        return Commands.attempt(natArgs(iptables, args), null);
    }

    private static List<String> natArgs(String iptables, String... args) {
        List<String> argv = new ArrayList<>(List.of(iptables, "-w", "5", "-t", "nat"));
        argv.addAll(List.of(args));
        return argv;
    }

    private static String binary(String name) throws NoRedirectBackendException {
        return Commands.find(name).map(Object::toString)
                .orElseThrow(() -> new NoRedirectBackendException(name + " not found on PATH or in /usr/sbin, /sbin"));
    }
}
