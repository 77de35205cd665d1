package io.ambit.netns;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The redirect rules as one nftables table, {@code inet ambit} (both IP families in one table).
 * Install replaces the whole table in a single {@code nft -f} transaction (declare, delete,
 * re-add: the usual idempotent idiom), so a pod never sees half the rules; remove deletes the
 * table and nothing else.
 */
public final class NftablesRules implements RedirectRules {

    static final String TABLE = "ambit";
    private static final Logger log = LoggerFactory.getLogger(NftablesRules.class);

    private final RedirectConfig config;

    public NftablesRules(RedirectConfig config) {
        this.config = config;
    }

    static boolean available() {
        return nft().map(nft -> {
            try {
                return Commands.attempt(List.of(nft.toString(), "list", "tables"), null).ok();
            } catch (CommandException e) {
                return false;
            }
        }).orElse(false);
    }

    private static java.util.Optional<Path> nft() {
        return Commands.find("nft");
    }

    private static String nftPath() throws NoRedirectBackendException {
        return nft().map(Path::toString).orElseThrow(() -> new NoRedirectBackendException("nft not found"));
    }

    @Override
    public String name() {
        return "nftables";
    }

    @Override
    public void install(NetNamespace pod) throws NetnsException {
        String nft = nftPath();
        String script = "table inet " + TABLE + " {}\ndelete table inet " + TABLE + "\n" + table();
        pod.run(() -> Commands.run(List.of(nft, "-f", "-"), script));
        log.info("nftables redirect rules installed in {}", pod);
    }

    @Override
    public void remove(NetNamespace pod) throws NetnsException {
        String nft = nftPath();
        // Declaring the table first makes the delete succeed whether or not it exists.
        String script = "table inet " + TABLE + " {}\ndelete table inet " + TABLE + "\n";
        pod.run(() -> Commands.run(List.of(nft, "-f", "-"), script));
        log.info("nftables redirect rules removed from {}", pod);
    }

    /** The table, in nft's own syntax. */
    String table() {
        String mark = config.markHex();
        StringBuilder s = new StringBuilder();
        s.append("table inet ").append(TABLE).append(" {\n");
        // Inbound: packets arriving at the pod from outside.
        s.append("  chain prerouting {\n");
        s.append("    type nat hook prerouting priority dstnat; policy accept;\n");
        probeExemptions(s, "saddr");
        s.append("    meta l4proto != tcp accept\n");
        s.append("    meta mark ").append(mark).append(" accept\n");
        s.append("    ip daddr 127.0.0.0/8 accept\n");
        s.append("    ip6 daddr ::1 accept\n");
        s.append("    tcp dport ").append(config.hbonePort()).append(" accept\n");
        s.append("    meta l4proto tcp redirect to :").append(config.inboundPort()).append("\n");
        s.append("  }\n");
        // Outbound: connections the pod's processes open.
        s.append("  chain output {\n");
        s.append("    type nat hook output priority -100; policy accept;\n");
        probeExemptions(s, "daddr");
        s.append("    meta l4proto != tcp accept\n");
        s.append("    meta mark ").append(mark).append(" accept\n");
        // Anything routed over lo stays in the pod: loopback, and the pod talking to its own IP.
        s.append("    oifname \"lo\" accept\n");
        s.append("    ip daddr 127.0.0.0/8 accept\n");
        s.append("    ip6 daddr ::1 accept\n");
        s.append("    meta l4proto tcp redirect to :").append(config.outboundPort()).append("\n");
        s.append("  }\n");
        s.append("}\n");
        return s.toString();
    }

    private void probeExemptions(StringBuilder s, String field) {
        for (InetAddress probe : config.probeSources(false)) {
            s.append("    ip ").append(field).append(' ').append(probe.getHostAddress()).append(" meta l4proto tcp accept\n");
        }
        for (InetAddress probe : config.probeSources(true)) {
            s.append("    ip6 ").append(field).append(' ').append(probe.getHostAddress()).append(" meta l4proto tcp accept\n");
        }
    }
}
