package io.ambit.echo.server;

/**
 * SIGTERM and SIGINT run a callback instead of the JVM's default, which would run shutdown hooks
 * and exit with 143: the lab expects a stopped echo server to close its listeners and exit 0.
 * {@code sun.misc.Signal} (module {@code jdk.unsupported}) is the only way to do that in Java.
 */
final class StopSignals {

    private StopSignals() {
    }

    @SuppressWarnings("removal")
    static void install(Runnable onStop) {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> onStop.run());
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                // the JVM keeps this signal (-Xrs, or not on this OS): its default behaviour stays
            }
        }
    }
}
