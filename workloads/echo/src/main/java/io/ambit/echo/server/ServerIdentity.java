package io.ambit.echo.server;

/** Who answers: the pod name and service version every reply carries. */
record ServerIdentity(String pod, String serviceVersion) {
}
