package io.ambit.gatewayapi.v1;

/** {@code sessionPersistence} (experimental): modelled so such YAML binds; translation reports it unsupported. */
public record SessionPersistence(String sessionName, String absoluteTimeout, String idleTimeout, Type type, CookieConfig cookie,
                                 HeaderConfig header) {

    public enum Type { Cookie, Header }

    public record CookieConfig(String name, String path, LifetimeType lifetimeType) {
    }

    public enum LifetimeType { Permanent, Session }

    public record HeaderConfig(String name) {
    }
}
