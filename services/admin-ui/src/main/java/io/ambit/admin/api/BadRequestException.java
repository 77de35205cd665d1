package io.ambit.admin.api;

/** A request the API refuses as written (400), naming the parameter and what would be accepted. */
public final class BadRequestException extends RuntimeException {

    private final String parameter;

    public BadRequestException(String parameter, String message) {
        super(message);
        this.parameter = parameter;
    }

    public String parameter() {
        return parameter;
    }
}
