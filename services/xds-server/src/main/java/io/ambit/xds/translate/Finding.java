package io.ambit.xds.translate;

/**
 * Something translation wants the object's owner to know: a rule dropped because ztunnel cannot
 * enforce it, a selector that does not parse, a waypoint that does not exist. Kept per object so
 * it can be written back as a status condition and shown in the local REST API.
 *
 * @param kind      the object's kind ({@code AuthorizationPolicy}, {@code Service} …)
 * @param namespace the object's namespace, empty for cluster-scoped kinds
 * @param name      the object's name
 * @param message   what is wrong and what translation did about it
 */
public record Finding(String kind, String namespace, String name, String message) {

    @Override
    public String toString() {
        return kind + " " + (namespace.isEmpty() ? "" : namespace + "/") + name + ": " + message;
    }
}
