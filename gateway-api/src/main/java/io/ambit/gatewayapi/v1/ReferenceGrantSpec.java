package io.ambit.gatewayapi.v1;

import java.util.List;

/** {@code ReferenceGrant.spec} (v1 and v1beta1): who ({@code from}) may refer to what ({@code to}) in the grant's namespace. */
public record ReferenceGrantSpec(List<From> from, List<To> to) {

    public ReferenceGrantSpec {
        if (from == null || from.isEmpty() || to == null || to.isEmpty()) {
            throw new IllegalArgumentException("from and to need at least one entry each");
        }
        from = List.copyOf(from);
        to = List.copyOf(to);
    }

    public record From(String group, String kind, String namespace) {
        public From {
            Checks.required(group == null ? null : "set", "group"); // "" (core) is valid, absent is not
            Checks.required(kind, "kind");
            Checks.required(namespace, "namespace");
        }
    }

    /** {@code name} absent grants every object of the kind. */
    public record To(String group, String kind, String name) {
        public To {
            Checks.required(group == null ? null : "set", "group");
            Checks.required(kind, "kind");
        }
    }

    /** Whether this grant lets a {@code fromKind} in {@code fromNamespace} refer to {@code group/kind name}. */
    public boolean permits(String fromGroup, String fromKind, String fromNamespace, String toGroup, String toKind, String toName) {
        return from.stream().anyMatch(f -> f.group().equals(fromGroup) && f.kind().equals(fromKind) && f.namespace().equals(fromNamespace))
                && to.stream().anyMatch(t -> t.group().equals(toGroup) && t.kind().equals(toKind)
                        && (t.name() == null || t.name().isEmpty() || t.name().equals(toName)));
    }
}
