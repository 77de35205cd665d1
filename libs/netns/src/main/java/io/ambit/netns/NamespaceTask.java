package io.ambit.netns;

/**
 * Work to do inside a network namespace. Like {@link java.util.concurrent.Callable}, but its
 * exception type is kept, so {@code ns.run(() -> socket())} still throws {@code IOException}
 * and a task that throws nothing checked needs no try/catch.
 */
@FunctionalInterface
public interface NamespaceTask<T, E extends Exception> {
    T call() throws E;
}
