package io.ambit.ca.telemetry;

import java.math.BigInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per decision on logger {@code ambit.ca.audit}: caller, identity asked, then the identity
 * granted (with serial and expiry) or the reason refused. Never key material or tokens.
 *
 * <pre>
 * decision=granted caller="spiffe://cluster.local/ns/istio-system/sa/ztunnel on node node-a (bootstrap-token)" asked=spiffe://cluster.local/ns/default/sa/sleep granted=spiffe://cluster.local/ns/default/sa/sleep serial=4f1c… not_after=2026-11-27T14:00:00Z
 * decision=refused caller="…" asked=spiffe://cluster.local/ns/default/sa/echo status=PERMISSION_DENIED reason=node_rule message="…"
 * </pre>
 */
public final class AuditLog {

    private static final Logger log = LoggerFactory.getLogger("ambit.ca.audit");

    public void granted(String caller, String asked, String granted, BigInteger serial, java.time.Instant notAfter) {
        log.info("decision=granted caller=\"{}\" asked={} granted={} serial={} not_after={}",
                caller, asked, granted, serial.toString(16), notAfter);
    }

    public void refused(String caller, String asked, String status, String reason, String message) {
        log.info("decision=refused caller=\"{}\" asked={} status={} reason={} message=\"{}\"",
                caller, asked, status, reason, message.replace('"', '\''));
    }
}
