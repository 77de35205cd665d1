package io.ambit.admin.explain;

/** An explain request that names something the mesh does not have, or a port it does not serve. */
public final class ExplainException extends RuntimeException {

    private final String parameter;

    public ExplainException(String parameter, String message) {
        super(message);
        this.parameter = parameter;
    }

    public String parameter() {
        return parameter;
    }
}
