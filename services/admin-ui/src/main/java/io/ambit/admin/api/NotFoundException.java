package io.ambit.admin.api;

/** The API has no such object (404). */
public final class NotFoundException extends RuntimeException {

    public NotFoundException(String message) {
        super(message);
    }
}
