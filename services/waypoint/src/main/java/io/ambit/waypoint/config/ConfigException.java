package io.ambit.waypoint.config;

/** A resource the waypoint cannot apply: the ADS client NACKs it with this message and keeps the previous one. */
public final class ConfigException extends RuntimeException {

    public ConfigException(String message) {
        super(message);
    }
}
