package io.ambit.identity;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The DNS names a control-plane Service is reached by, as Kubernetes' cluster DNS spells them
 * ({@code <svc>.<ns>.svc}, {@code <svc>.<ns>.svc.<cluster domain>}), and the check the CA applies to
 * a requested DNS SAN. Istio's clients address the control plane as {@code istiod.<ns>.svc:15012}
 * and verify that name in the server's certificate (istiod names itself so in
 * {@code pilot/pkg/bootstrap/certcontroller.go}), so a server answering for {@code istiod} carries
 * the {@link #ISTIOD} alias too.
 */
public final class ServiceDnsNames {

    /** The Service name Istio's proxies use for the control plane. */
    public static final String ISTIOD = "istiod";

    /** A name the control plane may give itself for clients on the same host. */
    public static final String LOCALHOST = "localhost";

    /** RFC 1123 label: lower-case letters, digits, inner hyphens, 1–63 characters. */
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final int MAX_NAME_LENGTH = 253;

    private ServiceDnsNames() {
    }

    /** {@code <service>.<namespace>.svc} and {@code <service>.<namespace>.svc.<clusterDomain>}. */
    public static List<String> of(String service, String namespace, String clusterDomain) {
        List<String> names = new ArrayList<>(2);
        names.add(service + "." + namespace + ".svc");
        if (clusterDomain != null && !clusterDomain.isBlank()) {
            names.add(service + "." + namespace + ".svc." + clusterDomain);
        }
        names.forEach(ServiceDnsNames::requireValid);
        return List.copyOf(names);
    }

    /**
     * The names of a control-plane server: its own Service's, {@code istiod}'s when it answers for
     * Istio's clients, and {@code localhost}.
     */
    public static List<String> controlPlane(String service, String namespace, String clusterDomain, boolean istiodAlias) {
        List<String> names = new ArrayList<>(of(service, namespace, clusterDomain));
        if (istiodAlias && !ISTIOD.equals(service)) {
            names.addAll(of(ISTIOD, namespace, clusterDomain));
        }
        names.add(LOCALHOST);
        return List.copyOf(names);
    }

    /** Throws {@link IllegalArgumentException} naming what is wrong; wildcards are never valid. */
    public static void requireValid(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("DNS name is empty");
        }
        if (name.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("DNS name is longer than " + MAX_NAME_LENGTH + " characters");
        }
        if (!name.equals(name.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("DNS name " + name + " is not lower case");
        }
        for (String label : name.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                throw new IllegalArgumentException("DNS name " + name + " has an invalid label '" + label
                        + "' (RFC 1123: letters, digits and inner hyphens, 1-63 characters; no wildcard)");
            }
        }
    }

    /**
     * True when {@code name} is a Service name of {@code namespace}: {@code <svc>.<namespace>.svc}
     * or {@code <svc>.<namespace>.svc.<clusterDomain>}, one label before the namespace.
     */
    public static boolean isServiceOf(String name, String namespace, String clusterDomain) {
        String[] labels = name.split("\\.", -1);
        if (labels.length == 3) {
            return labels[1].equals(namespace) && labels[2].equals("svc");
        }
        String domainSuffix = "." + namespace + ".svc." + clusterDomain;
        return name.endsWith(domainSuffix) && name.length() > domainSuffix.length()
                && name.indexOf('.') == name.length() - domainSuffix.length();
    }
}
